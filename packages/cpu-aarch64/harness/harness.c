/*
 * Differential-test harness (risu-like), run under `qemu-aarch64 -cpu max,sve=off,sme=off -seed 1`.
 * Reads fixed-size case records on stdin, runs each instruction sequence natively (i.e. under
 * QEMU's emulation) with the given register state, and writes the final state on stdout.
 *
 * Layout (fixed addresses, mirrored by the TypeScript side):
 *   STATE = 0x0ffff000 (4 KiB, RW): +0x000 input state (nzcv, sp, x0..x30), +0x180 return literal,
 *           +0x200 output state. Not mapped on the TypeScript side.
 *   CODE = 0x10000000 (4 KiB, RWX), rebuilt for every case: zeros except +0x400 prologue,
 *          +0x800 the 16 test words, +0x840 epilogue (the TypeScript side writes the same words).
 *   DATA = 0x20000000 (8 KiB, RW): filled from a xorshift32 stream seeded per case; hashed after.
 * Faults (SIGSEGV/SIGBUS/SIGILL/SIGTRAP/SIGFPE) are caught on an alternate stack; the registers
 * at the fault come from the signal frame.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#include "fault-signals.h"

#define CODE 0x10000000UL
#define STATE 0x0ffff000UL
#define DATA 0x20000000UL
#define DATA_SIZE 8192
#define NWORDS 16

struct req {
  uint32_t magic;
  uint32_t n;
  uint64_t nzcv;
  uint64_t x[31];
  uint64_t sp;
  uint64_t seed;
  uint32_t insn[NWORDS];
};

struct resp {
  uint32_t status;
  uint32_t pad;
  uint64_t nzcv;
  uint64_t x[31];
  uint64_t sp;
  uint64_t pc;
  uint64_t fault;
  uint64_t memhash;
};

uint64_t host_sp, host_tp;
extern void run_guest(uint64_t entry);
extern char guest_return[];

__asm__(
    ".text\n.global run_guest\nrun_guest:\n"
    " stp x29, x30, [sp, #-160]!\n stp x19, x20, [sp, #16]\n stp x21, x22, [sp, #32]\n"
    " stp x23, x24, [sp, #48]\n stp x25, x26, [sp, #64]\n stp x27, x28, [sp, #80]\n"
    " stp d8, d9, [sp, #96]\n stp d10, d11, [sp, #112]\n stp d12, d13, [sp, #128]\n stp d14, d15, [sp, #144]\n"
    " adrp x9, host_sp\n add x9, x9, :lo12:host_sp\n mov x10, sp\n str x10, [x9]\n"
    " mrs x10, tpidr_el0\n adrp x9, host_tp\n add x9, x9, :lo12:host_tp\n str x10, [x9]\n"
    " br x0\n"
    ".global guest_return\nguest_return:\n"
    " adrp x9, host_sp\n add x9, x9, :lo12:host_sp\n ldr x10, [x9]\n mov sp, x10\n"
    " adrp x9, host_tp\n add x9, x9, :lo12:host_tp\n ldr x10, [x9]\n msr tpidr_el0, x10\n"
    " ldp x19, x20, [sp, #16]\n ldp x21, x22, [sp, #32]\n ldp x23, x24, [sp, #48]\n"
    " ldp x25, x26, [sp, #64]\n ldp x27, x28, [sp, #80]\n ldp d8, d9, [sp, #96]\n"
    " ldp d10, d11, [sp, #112]\n ldp d12, d13, [sp, #128]\n ldp d14, d15, [sp, #144]\n"
    " ldp x29, x30, [sp], #160\n ret\n");

static volatile uint32_t g_status;
static volatile uint64_t g_fault, g_pc, g_sp, g_nzcv;
static volatile uint64_t g_x[31];

static void on_signal(int sig, siginfo_t *si, void *ucv) {
  ucontext_t *uc = (ucontext_t *)ucv;
  g_status = (uint32_t)sig;
  g_fault = (uint64_t)si->si_addr;
  for (int i = 0; i < 31; i++) g_x[i] = uc->uc_mcontext.regs[i];
  g_sp = uc->uc_mcontext.sp;
  g_pc = uc->uc_mcontext.pc;
  g_nzcv = uc->uc_mcontext.pstate & 0xf0000000UL;
  uc->uc_mcontext.pc = (uint64_t)guest_return;
}

static uint32_t ldr_lit(int rt, long off) { return 0x58000000u | ((uint32_t)((off / 4) & 0x7ffff) << 5) | (uint32_t)rt; }
static uint32_t str_x0(int rt, int off) { return 0xf9000000u | ((uint32_t)(off / 8) << 10) | (uint32_t)rt; }

/* Offsets below are relative to CODE; the state page sits at CODE - 0x1000. */
#define S(off) ((long)(off) - 0x1000)
static void build_frame(void) {
  uint32_t *c = (uint32_t *)CODE;
  memset(c, 0, 4096);
  *(uint64_t *)(STATE + 0x180) = (uint64_t)guest_return;
  int p = 0x400 / 4;
  long pc = 0x400;
  c[p++] = ldr_lit(0, S(0x000) - pc); pc += 4;      /* ldr x0, nzcv */
  c[p++] = 0xd51b4200u; pc += 4;                    /* msr nzcv, x0 */
  c[p++] = ldr_lit(0, S(0x008) - pc); pc += 4;      /* ldr x0, sp */
  c[p++] = 0x9100001fu; pc += 4;                    /* mov sp, x0 */
  for (int i = 1; i <= 30; i++) { c[p++] = ldr_lit(i, S(0x10 + 8 * i) - pc); pc += 4; }
  c[p++] = ldr_lit(0, S(0x10) - pc); pc += 4;       /* ldr x0, x0 */
  c[p++] = 0xd503305fu; pc += 4;                    /* clrex: no exclusive state across cases */
  c[p] = 0x14000000u | (uint32_t)(((0x800 - pc) / 4) & 0x3ffffff); /* b test */
  p = 0x840 / 4;
  pc = 0x840;
  c[p++] = 0xd51bd040u; pc += 4;                    /* msr tpidr_el0, x0 */
  {
    long off = S(0x200) - pc;                       /* adr x0, out */
    c[p++] = 0x10000000u | ((uint32_t)(off & 3) << 29) | ((uint32_t)((off >> 2) & 0x7ffff) << 5);
    pc += 4;
  }
  for (int i = 1; i <= 30; i++) { c[p++] = str_x0(i, 8 * i); pc += 4; }
  c[p++] = 0xd53b4201u; pc += 4;                    /* mrs x1, nzcv */
  c[p++] = str_x0(1, 256); pc += 4;
  c[p++] = 0x910003e1u; pc += 4;                    /* mov x1, sp */
  c[p++] = str_x0(1, 248); pc += 4;
  c[p++] = 0xd53bd041u; pc += 4;                    /* mrs x1, tpidr_el0 */
  c[p++] = str_x0(1, 0); pc += 4;
  c[p++] = ldr_lit(1, S(0x180) - pc); pc += 4;      /* ldr x1, guest_return */
  c[p++] = 0xd61f0020u;                             /* br x1 */
}

static void fill_data(uint64_t seed) {
  uint32_t s = (uint32_t)seed | 1u;
  uint32_t *d = (uint32_t *)DATA;
  for (int i = 0; i < DATA_SIZE / 4; i++) {
    s ^= s << 13; s ^= s >> 17; s ^= s << 5;
    d[i] = s;
  }
}

static uint64_t hash_data(void) {
  uint32_t h = 2166136261u;
  const uint32_t *d = (const uint32_t *)DATA;
  for (int i = 0; i < DATA_SIZE / 4; i++) h = (h ^ d[i]) * 16777619u;
  return h;
}

static unsigned char inbuf[1 << 16];
static size_t in_len, in_pos;
static unsigned char outbuf[1 << 16];
static size_t out_len;

static void flush_out(void) {
  size_t o = 0;
  while (o < out_len) {
    ssize_t w = write(1, outbuf + o, out_len - o);
    if (w <= 0) _exit(3);
    o += (size_t)w;
  }
  out_len = 0;
}

static int read_exact(void *dst, size_t n) {
  unsigned char *d = dst;
  while (n > 0) {
    if (in_pos == in_len) {
      flush_out();
      ssize_t r = read(0, inbuf, sizeof inbuf);
      if (r <= 0) return 0;
      in_len = (size_t)r;
      in_pos = 0;
    }
    size_t k = in_len - in_pos < n ? in_len - in_pos : n;
    memcpy(d, inbuf + in_pos, k);
    in_pos += k; d += k; n -= k;
  }
  return 1;
}

int main(void) {
  if (mmap((void *)CODE, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) ==
      MAP_FAILED) return 10;
  if (mmap((void *)STATE, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) ==
      MAP_FAILED) return 12;
  if (mmap((void *)DATA, DATA_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) ==
      MAP_FAILED) return 11;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_signal;
  sa.sa_flags = SA_SIGINFO;
  catch_fault_signals(&sa);
  struct req q;
  for (;;) {
    if (!read_exact(&q, sizeof q) || q.magic == 0) break;
    build_frame();
    uint64_t *st = (uint64_t *)STATE;
    st[0] = q.nzcv;
    st[1] = q.sp;
    for (int i = 0; i < 31; i++) st[2 + i] = q.x[i];
    uint32_t *t = (uint32_t *)(CODE + 0x800);
    for (int i = 0; i < NWORDS; i++) t[i] = i < (int)q.n ? q.insn[i] : 0xd503201fu;
    __builtin___clear_cache((char *)CODE, (char *)CODE + 4096);
    fill_data(q.seed);
    g_status = 0;
    run_guest(CODE + 0x400);
    struct resp r;
    memset(&r, 0, sizeof r);
    r.status = g_status;
    if (g_status == 0) {
      uint64_t *o = (uint64_t *)(STATE + 0x200);
      for (int i = 0; i < 31; i++) r.x[i] = o[i];
      r.sp = o[31];
      r.nzcv = o[32] & 0xf0000000UL;
      r.pc = CODE + 0x840;
    } else {
      for (int i = 0; i < 31; i++) r.x[i] = g_x[i];
      r.sp = g_sp;
      r.nzcv = g_nzcv;
      r.pc = g_pc;
      r.fault = g_fault;
    }
    r.memhash = hash_data();
    if (out_len + sizeof r > sizeof outbuf) flush_out();
    memcpy(outbuf + out_len, &r, sizeof r);
    out_len += sizeof r;
  }
  flush_out();
  return 0;
}
