/*
 * Shared by the differential harnesses (harness.c, simd/simd-harness.c): the fault signals a test
 * instruction can raise (SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGFPE) go to the handler in `sa` on an
 * alternate stack and stay unblocked while it runs (it leaves by redirecting the PC or siglongjmp).
 */
#include <signal.h>

static void catch_fault_signals(struct sigaction *sa) {
  static char altstack[65536];
  stack_t ss = {.ss_sp = altstack, .ss_size = sizeof altstack, .ss_flags = 0};
  sigaltstack(&ss, 0);
  sa->sa_flags |= SA_ONSTACK | SA_NODEFER;
  int sigs[] = {SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGFPE};
  for (unsigned i = 0; i < sizeof sigs / sizeof sigs[0]; i++) sigaction(sigs[i], sa, 0);
}
