/*
 * Armature FP/crypto oracle: executes one real AArch64 instruction per input line under
 * qemu-aarch64 and prints the result registers and FPSR.
 *
 * Input lines:  <op> <fpcr-hex> <a-hex> <b-hex> <c-hex>    (operands up to 128 bits)
 *               sync                                        (flush, prints "ok")
 * Output lines: <q0 as 32 hex digits> <x9 16 hex> <fpsr 8 hex> <nzcv 8 hex>
 * Operands are loaded into q0/q1/q2 (whole 128 bits) and x10/x11/x12 (low 64 bits).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef uint64_t u64;
typedef struct { u64 v[2]; } u128;
typedef struct { u128 q; u64 x; u64 fpsr; u64 nzcv; } res_t;
typedef void (*opfn)(const u128 *a, const u128 *b, const u128 *c, u64 fpcr, res_t *r);

#define DEF(id, INSN)                                                                           \
  static void id(const u128 *a, const u128 *b, const u128 *c, u64 fpcr, res_t *r) {              \
    u64 fpsr, nzcv, x9;                                                                           \
    asm volatile("ldr q0, [%[pa]]\n\tldr q1, [%[pb]]\n\tldr q2, [%[pc]]\n\t"                      \
                 "ldr x10, [%[pa]]\n\tldr x11, [%[pb]]\n\tldr x12, [%[pc]]\n\tmov x9, xzr\n\t"     \
                 "msr fpcr, %[fpcr]\n\tmsr fpsr, xzr\n\tmsr nzcv, xzr\n\t" INSN "\n\t"             \
                 "mrs %[fpsr], fpsr\n\tmrs %[nzcv], nzcv\n\tmsr fpcr, xzr\n\t"                     \
                 "str q0, [%[pr]]\n\tmov %[x9], x9\n\t"                                           \
                 : [fpsr] "=&r"(fpsr), [nzcv] "=&r"(nzcv), [x9] "=&r"(x9)                         \
                 : [pa] "r"(a), [pb] "r"(b), [pc] "r"(c), [pr] "r"(&r->q), [fpcr] "r"(fpcr)       \
                 : "x9", "x10", "x11", "x12", "v0", "v1", "v2", "cc", "memory");                  \
    r->fpsr = fpsr; r->nzcv = nzcv; r->x = x9;                                                    \
  }

/* three precisions of one instruction shape */
#define P3(op, FMT) DEF(op##_h, FMT(#op, "h")) DEF(op##_s, FMT(#op, "s")) DEF(op##_d, FMT(#op, "d"))
#define P2(op, FMT) DEF(op##_s, FMT(#op, "s")) DEF(op##_d, FMT(#op, "d"))
#define E3(op) {#op "_h", op##_h}, {#op "_s", op##_s}, {#op "_d", op##_d},
#define E2(op) {#op "_s", op##_s}, {#op "_d", op##_d},

#define BIN(o, p) o " " p "0, " p "0, " p "1"
#define UN(o, p) o " " p "0, " p "0"
#define TER(o, p) o " " p "0, " p "0, " p "1, " p "2"
#define CMP(o, p) o " " p "0, " p "1"
#define CMPZ(o, p) "fcmp " p "0, #0.0"

#define BINOPS(X) X(fadd) X(fsub) X(fmul) X(fdiv) X(fnmul) X(fmulx) X(fmax) X(fmin) X(fmaxnm) \
  X(fminnm) X(fabd) X(frecps) X(frsqrts) X(fcmeq) X(fcmge) X(fcmgt)
#define UNOPS(X) X(fsqrt) X(frecpe) X(frsqrte) X(frecpx) X(frintn) X(frinta) X(frintm) X(frintp) \
  X(frintz) X(frintx) X(frinti)
#define TEROPS(X) X(fmadd) X(fmsub) X(fnmadd) X(fnmsub)
#define CMPOPS(X) X(fcmp) X(fcmpe)

#define DBIN(o) P3(o, BIN)
#define DUN(o) P3(o, UN)
#define DTER(o) P3(o, TER)
#define DCMP(o) P3(o, CMP)
BINOPS(DBIN)
UNOPS(DUN)
TEROPS(DTER)
CMPOPS(DCMP)
P3(fcmpz, CMPZ)
#define DUN2(o) P2(o, UN)
#define FRINTN(X) X(frint32z) X(frint32x) X(frint64z) X(frint64x)
FRINTN(DUN2)

/* precision conversions */
DEF(fcvt_sd, "fcvt s0, d0") DEF(fcvt_hd, "fcvt h0, d0") DEF(fcvt_ds, "fcvt d0, s0")
DEF(fcvt_hs, "fcvt h0, s0") DEF(fcvt_sh, "fcvt s0, h0") DEF(fcvt_dh, "fcvt d0, h0")
DEF(fcvtxn_sd, "fcvtxn s0, d0")

/* float -> int: <op>_<w|x>_<h|s|d> */
#define F2I1(o, r, p) DEF(o##_##r##_##p, #o " " #r "9, " #p "0")
#define F2I(o) F2I1(o, w, h) F2I1(o, w, s) F2I1(o, w, d) F2I1(o, x, h) F2I1(o, x, s) F2I1(o, x, d)
#define F2IE1(o, r, p) {#o "_" #r "_" #p, o##_##r##_##p},
#define F2IE(o) F2IE1(o, w, h) F2IE1(o, w, s) F2IE1(o, w, d) F2IE1(o, x, h) F2IE1(o, x, s) F2IE1(o, x, d)
#define F2IOPS(X) X(fcvtzs) X(fcvtzu) X(fcvtns) X(fcvtnu) X(fcvtas) X(fcvtau) X(fcvtms) X(fcvtmu) \
  X(fcvtps) X(fcvtpu)
F2IOPS(F2I)
/* fixed point: fcvtz[su]_<r>_<p>_<fbits> */
#define FIX1(o, r, p, f) DEF(o##_##r##_##p##_##f, #o " " #r "9, " #p "0, #" #f)
#define FIXE1(o, r, p, f) {#o "_" #r "_" #p "_" #f, o##_##r##_##p##_##f},
#define FIXALL(M, o) M(o, w, h, 1) M(o, w, s, 1) M(o, w, d, 1) M(o, w, s, 16) M(o, w, d, 31) M(o, w, d, 32) \
  M(o, x, h, 3) M(o, x, s, 1) M(o, x, d, 1) M(o, x, s, 40) M(o, x, d, 63) M(o, x, d, 64) M(o, w, h, 12)
FIXALL(FIX1, fcvtzs)
FIXALL(FIX1, fcvtzu)
/* int -> float: [su]cvtf_<p>_<r>[_fbits] */
#define I2F1(o, p, r) DEF(o##_##p##_##r, #o " " #p "0, " #r "10")
#define I2FE1(o, p, r) {#o "_" #p "_" #r, o##_##p##_##r},
#define I2FALL(M, o) M(o, h, w) M(o, s, w) M(o, d, w) M(o, h, x) M(o, s, x) M(o, d, x)
I2FALL(I2F1, scvtf)
I2FALL(I2F1, ucvtf)
#define I2FX1(o, p, r, f) DEF(o##_##p##_##r##_##f, #o " " #p "0, " #r "10, #" #f)
#define I2FXE1(o, p, r, f) {#o "_" #p "_" #r "_" #f, o##_##p##_##r##_##f},
#define I2FXALL(M, o) M(o, h, w, 5) M(o, s, w, 1) M(o, d, w, 32) M(o, h, x, 64) M(o, s, x, 17) M(o, d, x, 64) \
  M(o, s, x, 1)
I2FXALL(I2FX1, scvtf)
I2FXALL(I2FX1, ucvtf)

DEF(fjcvtzs, "fjcvtzs w9, d0")
DEF(fmlal, "fmlal v0.2s, v1.2h, v2.2h") DEF(fmlsl, "fmlsl v0.2s, v1.2h, v2.2h")
DEF(urecpe, "urecpe v0.2s, v0.2s")
DEF(ursqrte, "ursqrte v0.2s, v0.2s")

/* crypto */
DEF(aese, "aese v0.16b, v1.16b") DEF(aesd, "aesd v0.16b, v1.16b")
DEF(aesmc, "aesmc v0.16b, v0.16b") DEF(aesimc, "aesimc v0.16b, v0.16b")
DEF(sha1c, "sha1c q0, s1, v2.4s") DEF(sha1p, "sha1p q0, s1, v2.4s") DEF(sha1m, "sha1m q0, s1, v2.4s")
DEF(sha1h, "sha1h s0, s0") DEF(sha1su0, "sha1su0 v0.4s, v1.4s, v2.4s") DEF(sha1su1, "sha1su1 v0.4s, v1.4s")
DEF(sha256h, "sha256h q0, q1, v2.4s") DEF(sha256h2, "sha256h2 q0, q1, v2.4s")
DEF(sha256su0, "sha256su0 v0.4s, v1.4s") DEF(sha256su1, "sha256su1 v0.4s, v1.4s, v2.4s")
DEF(sha512h, "sha512h q0, q1, v2.2d") DEF(sha512h2, "sha512h2 q0, q1, v2.2d")
DEF(sha512su0, "sha512su0 v0.2d, v1.2d") DEF(sha512su1, "sha512su1 v0.2d, v1.2d, v2.2d")
DEF(eor3, "eor3 v0.16b, v0.16b, v1.16b, v2.16b") DEF(bcax, "bcax v0.16b, v0.16b, v1.16b, v2.16b")
DEF(rax1, "rax1 v0.2d, v0.2d, v1.2d")
DEF(xar_0, "xar v0.2d, v0.2d, v1.2d, #0") DEF(xar_1, "xar v0.2d, v0.2d, v1.2d, #1")
DEF(xar_13, "xar v0.2d, v0.2d, v1.2d, #13") DEF(xar_63, "xar v0.2d, v0.2d, v1.2d, #63")
DEF(pmull_8, "pmull v0.8h, v0.8b, v1.8b") DEF(pmull2_8, "pmull2 v0.8h, v0.16b, v1.16b")
DEF(pmull_64, "pmull v0.1q, v0.1d, v1.1d") DEF(pmull2_64, "pmull2 v0.1q, v0.2d, v1.2d")
DEF(crc32b, "crc32b w9, w10, w11") DEF(crc32h, "crc32h w9, w10, w11") DEF(crc32w, "crc32w w9, w10, w11")
DEF(crc32x, "crc32x w9, w10, x11") DEF(crc32cb, "crc32cb w9, w10, w11") DEF(crc32ch, "crc32ch w9, w10, w11")
DEF(crc32cw, "crc32cw w9, w10, w11") DEF(crc32cx, "crc32cx w9, w10, x11")

typedef struct { const char *name; opfn fn; } op_t;
static const op_t ops[] = {
#define EBIN(o) E3(o)
    BINOPS(EBIN) UNOPS(EBIN) TEROPS(EBIN) CMPOPS(EBIN) E3(fcmpz)
#define EUN2(o) E2(o)
    FRINTN(EUN2)
    {"fcvt_sd", fcvt_sd}, {"fcvt_hd", fcvt_hd}, {"fcvt_ds", fcvt_ds}, {"fcvt_hs", fcvt_hs},
    {"fcvt_sh", fcvt_sh}, {"fcvt_dh", fcvt_dh}, {"fcvtxn_sd", fcvtxn_sd},
    F2IOPS(F2IE)
    FIXALL(FIXE1, fcvtzs) FIXALL(FIXE1, fcvtzu)
    I2FALL(I2FE1, scvtf) I2FALL(I2FE1, ucvtf)
    I2FXALL(I2FXE1, scvtf) I2FXALL(I2FXE1, ucvtf)
    {"fjcvtzs", fjcvtzs}, {"fmlal", fmlal}, {"fmlsl", fmlsl}, {"urecpe", urecpe}, {"ursqrte", ursqrte},
    {"aese", aese}, {"aesd", aesd}, {"aesmc", aesmc}, {"aesimc", aesimc},
    {"sha1c", sha1c}, {"sha1p", sha1p}, {"sha1m", sha1m}, {"sha1h", sha1h}, {"sha1su0", sha1su0},
    {"sha1su1", sha1su1}, {"sha256h", sha256h}, {"sha256h2", sha256h2}, {"sha256su0", sha256su0},
    {"sha256su1", sha256su1}, {"sha512h", sha512h}, {"sha512h2", sha512h2}, {"sha512su0", sha512su0},
    {"sha512su1", sha512su1}, {"eor3", eor3}, {"bcax", bcax}, {"rax1", rax1}, {"xar_0", xar_0},
    {"xar_1", xar_1}, {"xar_13", xar_13}, {"xar_63", xar_63}, {"pmull_8", pmull_8},
    {"pmull2_8", pmull2_8}, {"pmull_64", pmull_64}, {"pmull2_64", pmull2_64},
    {"crc32b", crc32b}, {"crc32h", crc32h}, {"crc32w", crc32w}, {"crc32x", crc32x},
    {"crc32cb", crc32cb}, {"crc32ch", crc32ch}, {"crc32cw", crc32cw}, {"crc32cx", crc32cx},
};

static int parse128(const char *s, u128 *v) {
  size_t n = strlen(s);
  if (n == 0 || n > 32) return -1;
  v->v[0] = v->v[1] = 0;
  for (size_t i = 0; i < n; i++) {
    char ch = s[i];
    unsigned d = ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : 99;
    if (d == 99) return -1;
    v->v[1] = (v->v[1] << 4) | (v->v[0] >> 60);
    v->v[0] = (v->v[0] << 4) | d;
  }
  return 0;
}

int main(void) {
  char line[512], name[64], sa[40], sb[40], sc[40];
  unsigned long long fpcr;
  const size_t nops = sizeof ops / sizeof ops[0];
  static char outbuf[1 << 16];
  setvbuf(stdout, outbuf, _IOFBF, sizeof outbuf);
  while (fgets(line, sizeof line, stdin)) {
    if (strncmp(line, "sync", 4) == 0) {
      puts("ok");
      fflush(stdout);
      continue;
    }
    if (strncmp(line, "list", 4) == 0) {
      for (size_t i = 0; i < nops; i++) puts(ops[i].name);
      puts("ok");
      fflush(stdout);
      continue;
    }
    u128 a, b, c;
    res_t r;
    if (sscanf(line, "%63s %llx %39s %39s %39s", name, &fpcr, sa, sb, sc) != 5 || parse128(sa, &a) ||
        parse128(sb, &b) || parse128(sc, &c)) {
      printf("error bad-line\n");
      continue;
    }
    size_t i;
    for (i = 0; i < nops; i++)
      if (strcmp(ops[i].name, name) == 0) break;
    if (i == nops) {
      printf("error unknown-op %s\n", name);
      continue;
    }
    memset(&r, 0, sizeof r);
    ops[i].fn(&a, &b, &c, (u64)fpcr, &r);
    printf("%016llx%016llx %016llx %08llx %08llx\n", (unsigned long long)r.q.v[1], (unsigned long long)r.q.v[0],
           (unsigned long long)r.x, (unsigned long long)r.fpsr, (unsigned long long)r.nzcv);
  }
  fflush(stdout);
  return 0;
}
