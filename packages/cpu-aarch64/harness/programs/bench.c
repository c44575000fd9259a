/* Fixed integer workload for the MIPS benchmark (sieve + hashing + sorting). */
#include <stdint.h>
#include <stdio.h>

static uint8_t sieve[2000000];

int main(void) {
  int primes = 0;
  for (int i = 2; i < 2000000; i++) {
    if (!sieve[i]) {
      primes++;
      for (int j = 2 * i; j < 2000000; j += i) sieve[j] = 1;
    }
  }
  uint64_t h = 1469598103934665603ull;
  for (int r = 0; r < 20; r++)
    for (int i = 0; i < 100000; i++) h = (h ^ (uint64_t)(i + r)) * 1099511628211ull;
  static uint32_t a[20000];
  uint32_t x = 1;
  for (int i = 0; i < 20000; i++) { x = x * 1103515245u + 12345u; a[i] = x; }
  for (int gap = 20000 / 2; gap > 0; gap /= 2)
    for (int i = gap; i < 20000; i++) {
      uint32_t t = a[i];
      int j = i;
      for (; j >= gap && a[j - gap] > t; j -= gap) a[j] = a[j - gap];
      a[j] = t;
    }
  printf("primes=%d hash=%016llx a0=%u amid=%u\n", primes, (unsigned long long)h, a[0], a[10000]);
  return 0;
}
