#include <setjmp.h>
#include <stdio.h>

static jmp_buf env;
static int depth(int n) {
  if (n == 0) longjmp(env, 42);
  return depth(n - 1) + 1;
}

int main(void) {
  volatile int rounds = 0;
  int v = setjmp(env);
  if (v == 0) {
    depth(50);
  } else if (rounds < 5) {
    rounds++;
    printf("longjmp returned %d (round %d)\n", v, rounds);
    longjmp(env, v + 1);
  }
  printf("done after %d rounds, v=%d\n", rounds, v);
  return 0;
}
