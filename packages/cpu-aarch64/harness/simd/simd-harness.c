/*
 * FP/AdvSIMD/crypto/PAuth differential harness, run under
 * `qemu-aarch64 -cpu max,sve=off,sme=off -seed 1`. Reads fixed-size requests on stdin: one
 * instruction word plus X0-X30, V0-V31, FPCR, FPSR, NZCV; executes the word in a writable text page
 * with exactly that state and writes the final state (and a hash of the data page when asked).
 * SP points at the state block while the word runs, so the word must not write SP.
 * Faults are caught (SIGILL/SIGSEGV/SIGBUS/SIGTRAP/SIGFPE) and reported as the signal number.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../fault-signals.h"

#define DATA 0x20000000UL
#define DATA_SIZE 8192

struct st {
  uint64_t x[31];
  uint64_t fpcr, fpsr, nzcv, pad0, pad1;
  uint8_t v[32][16];
};
struct req {
  uint32_t magic, word, flags, seed;
  struct st s;
};
struct resp {
  uint32_t status, memhash;
  struct st s;
};

uint64_t host_sp;
extern void run_case(struct st *s);
extern char test_slot[];

__asm__(
    ".text\n.global run_case\nrun_case:\n"
    " stp x29, x30, [sp, #-160]!\n stp x19, x20, [sp, #16]\n stp x21, x22, [sp, #32]\n"
    " stp x23, x24, [sp, #48]\n stp x25, x26, [sp, #64]\n stp x27, x28, [sp, #80]\n"
    " stp d8, d9, [sp, #96]\n stp d10, d11, [sp, #112]\n stp d12, d13, [sp, #128]\n stp d14, d15, [sp, #144]\n"
    " adrp x9, host_sp\n add x9, x9, :lo12:host_sp\n mov x10, sp\n str x10, [x9]\n"
    " mov sp, x0\n"
    " ldr x1, [sp, #248]\n msr fpcr, x1\n ldr x1, [sp, #256]\n msr fpsr, x1\n ldr x1, [sp, #264]\n msr nzcv, x1\n"
    " add x1, sp, #288\n"
    " ld1 {v0.16b-v3.16b}, [x1], #64\n ld1 {v4.16b-v7.16b}, [x1], #64\n"
    " ld1 {v8.16b-v11.16b}, [x1], #64\n ld1 {v12.16b-v15.16b}, [x1], #64\n"
    " ld1 {v16.16b-v19.16b}, [x1], #64\n ld1 {v20.16b-v23.16b}, [x1], #64\n"
    " ld1 {v24.16b-v27.16b}, [x1], #64\n ld1 {v28.16b-v31.16b}, [x1], #64\n"
    " ldp x0, x1, [sp, #0]\n ldp x2, x3, [sp, #16]\n ldp x4, x5, [sp, #32]\n ldp x6, x7, [sp, #48]\n"
    " ldp x8, x9, [sp, #64]\n ldp x10, x11, [sp, #80]\n ldp x12, x13, [sp, #96]\n ldp x14, x15, [sp, #112]\n"
    " ldp x16, x17, [sp, #128]\n ldp x18, x19, [sp, #144]\n ldp x20, x21, [sp, #160]\n ldp x22, x23, [sp, #176]\n"
    " ldp x24, x25, [sp, #192]\n ldp x26, x27, [sp, #208]\n ldp x28, x29, [sp, #224]\n ldr x30, [sp, #240]\n"
    " b test_slot\n"
    ".balign 4096\n.global test_slot\ntest_slot:\n nop\n"
    " stp x0, x1, [sp, #0]\n stp x2, x3, [sp, #16]\n stp x4, x5, [sp, #32]\n stp x6, x7, [sp, #48]\n"
    " stp x8, x9, [sp, #64]\n stp x10, x11, [sp, #80]\n stp x12, x13, [sp, #96]\n stp x14, x15, [sp, #112]\n"
    " stp x16, x17, [sp, #128]\n stp x18, x19, [sp, #144]\n stp x20, x21, [sp, #160]\n stp x22, x23, [sp, #176]\n"
    " stp x24, x25, [sp, #192]\n stp x26, x27, [sp, #208]\n stp x28, x29, [sp, #224]\n str x30, [sp, #240]\n"
    " mrs x1, fpsr\n str x1, [sp, #256]\n mrs x1, nzcv\n str x1, [sp, #264]\n"
    " add x1, sp, #288\n"
    " st1 {v0.16b-v3.16b}, [x1], #64\n st1 {v4.16b-v7.16b}, [x1], #64\n"
    " st1 {v8.16b-v11.16b}, [x1], #64\n st1 {v12.16b-v15.16b}, [x1], #64\n"
    " st1 {v16.16b-v19.16b}, [x1], #64\n st1 {v20.16b-v23.16b}, [x1], #64\n"
    " st1 {v24.16b-v27.16b}, [x1], #64\n st1 {v28.16b-v31.16b}, [x1], #64\n"
    " adrp x9, host_sp\n ldr x9, [x9, :lo12:host_sp]\n mov sp, x9\n"
    " msr fpcr, xzr\n"
    " ldp x19, x20, [sp, #16]\n ldp x21, x22, [sp, #32]\n ldp x23, x24, [sp, #48]\n ldp x25, x26, [sp, #64]\n"
    " ldp x27, x28, [sp, #80]\n ldp d8, d9, [sp, #96]\n ldp d10, d11, [sp, #112]\n ldp d12, d13, [sp, #128]\n"
    " ldp d14, d15, [sp, #144]\n ldp x29, x30, [sp], #160\n ret\n"
    ".balign 4096\n");

static sigjmp_buf env;
static struct st state __attribute__((aligned(16)));
static volatile int caught;

static void on_signal(int sig) {
  caught = sig;
  siglongjmp(env, 1);
}

static void fill(uint8_t *p, uint32_t seed) {
  uint32_t x = seed ? seed : 0x9e3779b9u;
  for (int i = 0; i < DATA_SIZE; i++) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    p[i] = (uint8_t)x;
  }
}

static uint32_t fnv(const uint8_t *p) {
  uint32_t h = 2166136261u;
  for (int i = 0; i < DATA_SIZE; i++) h = (h ^ p[i]) * 16777619u;
  return h;
}

static int readall(void *buf, size_t n) {
  uint8_t *p = buf;
  while (n) {
    ssize_t r = read(0, p, n);
    if (r <= 0) return 0;
    p += r;
    n -= (size_t)r;
  }
  return 1;
}

static void writeall(const void *buf, size_t n) {
  const uint8_t *p = buf;
  while (n) {
    ssize_t r = write(1, p, n);
    if (r <= 0) _exit(2);
    p += r;
    n -= (size_t)r;
  }
}

int main(void) {
  uint8_t *data = mmap((void *)DATA, DATA_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
  if (data == MAP_FAILED) return 3;
  uintptr_t page = (uintptr_t)test_slot & ~(uintptr_t)4095;
  if (mprotect((void *)page, 4096, PROT_READ | PROT_WRITE | PROT_EXEC) != 0) return 4;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  catch_fault_signals(&sa);
  struct req rq;
  struct resp rs;
  uint32_t last = 0xd503201f;
  while (readall(&rq, sizeof rq)) {
    if (rq.magic != 0x444d4953u) return 5;
    if (rq.word != last) {
      *(volatile uint32_t *)test_slot = rq.word;
      __builtin___clear_cache(test_slot, test_slot + 4);
      last = rq.word;
    }
    if (rq.flags & 1) fill(data, rq.seed);
    state = rq.s;
    caught = 0;
    if (sigsetjmp(env, 1) == 0) run_case(&state);
    __asm__ volatile("msr fpcr, xzr");
    memset(&rs, 0, sizeof rs);
    rs.status = (uint32_t)caught;
    if (!caught) rs.s = state;
    if (rq.flags & 1) rs.memhash = fnv(data);
    writeall(&rs, sizeof rs);
  }
  return 0;
}
