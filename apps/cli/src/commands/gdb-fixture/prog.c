/* A bare-metal program for the GDB test: every value the test checks is computed here. */
volatile unsigned long result;
unsigned int table[4] = {0xdeadbeef, 0x12345678, 0xcafef00d, 0x0badc0de};

unsigned long __attribute__((noinline)) fib(unsigned n) {
  unsigned long a = 0, b = 1;
  for (unsigned i = 0; i < n; i++) {
    unsigned long t = a + b;
    a = b;
    b = t;
  }
  return a;
}

void __attribute__((noinline)) set_vectors(void) {
  __asm__ volatile("movi v16.16b, #0x2a\n\tfmov d17, #1.5" ::: "v16", "v17");
}

unsigned long __attribute__((noinline)) count_up(unsigned long x) {
  __asm__ volatile(
      "add %0, %0, #1\n\tadd %0, %0, #1\n\tadd %0, %0, #1\n\tadd %0, %0, #1\n\t"
      "add %0, %0, #1\n\tadd %0, %0, #1\n\tadd %0, %0, #1\n\tadd %0, %0, #1\n\t"
      "add %0, %0, #1\n\tadd %0, %0, #1\n\tadd %0, %0, #1\n\tadd %0, %0, #1"
      : "+r"(x));
  return x;
}

int main(void) {
  set_vectors();
  unsigned long c = count_up(100);
  result = fib(20) + c;
  table[1] = (unsigned int)result;
  return 0;
}
