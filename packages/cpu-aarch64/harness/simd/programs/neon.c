/* NEON intrinsics (AdvSIMD, FP16, RDM, DotProd, FHM, crypto, SHA3) under both emulators. */
#include <arm_neon.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static void show(const char *name, const void *p, int n) {
  const uint8_t *b = p;
  printf("%-10s", name);
  for (int i = n - 1; i >= 0; i--) printf("%02x", b[i]);
  printf("\n");
}
#define SHOW(name, v)          \
  do {                         \
    __typeof__(v) t_ = (v);    \
    show(name, &t_, sizeof t_); \
  } while (0)

int main(void) {
  float fa[4] = {1.5f, -2.25f, 3.0e38f, 1e-40f}, fb[4] = {0.1f, 7.0f, 10.0f, -0.0f};
  double da[2] = {1.0 / 3, -1e308}, db[2] = {3.0, 10.0};
  int16_t sa[8] = {32767, -32768, 1000, -1000, 12345, -1, 0, 16384};
  int16_t sb[8] = {2, 2, 30000, 30000, -12345, -32768, 5, 16384};
  uint8_t tb[32], idx[16];
  for (int i = 0; i < 32; i++) tb[i] = (uint8_t)(i * 37 + 1);
  for (int i = 0; i < 16; i++) idx[i] = (uint8_t)(i * 3 + 1);
  float32x4_t a = vld1q_f32(fa), b = vld1q_f32(fb);
  float64x2_t x = vld1q_f64(da), y = vld1q_f64(db);
  int16x8_t s = vld1q_s16(sa), t = vld1q_s16(sb);
  SHOW("fadd", vaddq_f32(a, b));
  SHOW("fmul", vmulq_f32(a, b));
  SHOW("fdiv", vdivq_f32(a, b));
  SHOW("fma", vfmaq_f32(b, a, a));
  SHOW("fdivd", vdivq_f64(x, y));
  SHOW("fsqrtd", vsqrtq_f64(vabsq_f64(x)));
  SHOW("frecpe", vrecpeq_f32(a));
  SHOW("frsqrte", vrsqrteq_f32(vabsq_f32(a)));
  SHOW("frecps", vrecpsq_f32(a, b));
  SHOW("fcvtzs", vcvtq_s32_f32(a));
  SHOW("fcvtns", vcvtnq_s32_f32(a));
  SHOW("scvtf", vcvtq_f32_s32(vcvtq_s32_f32(b)));
  SHOW("fcvtn", vcvt_f32_f64(x));
  SHOW("fcvt16", vcvt_f16_f32(a));
  SHOW("fmaxv", vmaxvq_f32(a));
  SHOW("fminnmv", vminnmvq_f32(b));
  SHOW("faddp", vpaddq_f32(a, b));
  SHOW("fcmge", vcgeq_f32(a, b));
  SHOW("frinta", vrndaq_f32(vmulq_n_f32(b, 2.5f)));
  SHOW("sqadd", vqaddq_s16(s, t));
  SHOW("sqsub", vqsubq_s16(s, t));
  SHOW("sqdmulh", vqdmulhq_s16(s, t));
  SHOW("sqrdmulh", vqrdmulhq_s16(s, t));
  SHOW("sqrdmlah", vqrdmlahq_s16(s, s, t));
  SHOW("smull", vmull_s16(vget_low_s16(s), vget_low_s16(t)));
  SHOW("sqdmull2", vqdmull_high_s16(s, t));
  SHOW("sqxtn", vqmovn_s32(vmull_s16(vget_low_s16(s), vget_low_s16(t))));
  SHOW("srshr", vrshrq_n_s16(s, 3));
  SHOW("sqshrun", vqshrun_n_s16(t, 4));
  SHOW("sli", vsliq_n_s16(s, t, 5));
  SHOW("uabd", vabdq_u8(vld1q_u8(tb), vld1q_u8(tb + 16)));
  SHOW("saddlv", vaddlvq_s16(s));
  SHOW("umaxv", vmaxvq_u8(vld1q_u8(tb)));
  SHOW("tbl2", vqtbl2q_u8((uint8x16x2_t){{vld1q_u8(tb), vld1q_u8(tb + 16)}}, vld1q_u8(idx)));
  uint8x16x3_t l3 = vld3q_u8(tb);
  SHOW("ld3.0", l3.val[0]);
  SHOW("ld3.2", l3.val[2]);
  uint8_t out[64];
  vst4q_u8(out, (uint8x16x4_t){{vld1q_u8(tb), vld1q_u8(tb + 16), vld1q_u8(idx), vld1q_u8(tb + 8)}});
  show("st4", out, 64);
  SHOW("sdot", vdotq_s32(vdupq_n_s32(7), vreinterpretq_s8_u8(vld1q_u8(tb)), vreinterpretq_s8_u8(vld1q_u8(idx))));
  SHOW("udot.lane", vdotq_laneq_u32(vdupq_n_u32(1), vld1q_u8(tb), vld1q_u8(idx), 2));
  float16x8_t h = vcvt_high_f16_f32(vcvt_f16_f32(a), b);
  SHOW("fmlal", vfmlalq_low_f16(b, h, h));
  SHOW("fmlsl2", vfmlslq_high_f16(a, h, h));
  SHOW("hadd", vaddq_f16(h, h));
  SHOW("hmul", vmulq_f16(h, vdupq_n_f16(3.0)));
  SHOW("fcmla", vcmlaq_rot90_f32(a, a, b));
  SHOW("fcadd", vcaddq_rot270_f32(a, b));
  uint8x16_t key = vld1q_u8(tb), data = vld1q_u8(idx);
  SHOW("aese", vaesmcq_u8(vaeseq_u8(data, key)));
  SHOW("aesd", vaesimcq_u8(vaesdq_u8(data, key)));
  uint32x4_t h0 = vreinterpretq_u32_u8(key), h1 = vreinterpretq_u32_u8(data);
  SHOW("sha256h", vsha256hq_u32(h0, h1, h1));
  SHOW("sha256su1", vsha256su1q_u32(h0, h1, h0));
  SHOW("sha1c", vsha1cq_u32(h0, 0x12345678, h1));
  SHOW("sha512h", vsha512hq_u64(vreinterpretq_u64_u32(h0), vreinterpretq_u64_u32(h1), vreinterpretq_u64_u32(h0)));
  SHOW("eor3", veor3q_u8(key, data, vld1q_u8(tb + 16)));
  SHOW("rax1", vrax1q_u64(vreinterpretq_u64_u32(h0), vreinterpretq_u64_u32(h1)));
  SHOW("xar", vxarq_u64(vreinterpretq_u64_u32(h0), vreinterpretq_u64_u32(h1), 17));
  SHOW("pmull64", vmull_p64(0x87654321fedcba98ull, 0x0123456789abcdefull));
  SHOW("pmull8", vmull_p8(vld1_p8((const poly8_t *)tb), vld1_p8((const poly8_t *)idx)));
  return 0;
}
