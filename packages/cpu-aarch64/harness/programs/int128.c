#include <stdint.h>
#include <stdio.h>

static void print_u128(unsigned __int128 v) {
  char buf[48];
  int i = 47;
  buf[i] = 0;
  do {
    buf[--i] = (char)('0' + (int)(v % 10));
    v /= 10;
  } while (v);
  printf("%s\n", buf + i);
}

int main(void) {
  unsigned __int128 f = 1;
  for (int i = 1; i <= 34; i++) f *= (unsigned __int128)i;
  print_u128(f);
  __int128 s = -((__int128)1 << 100) + 12345;
  s = s * 3 - (s >> 7);
  printf("%016llx%016llx\n", (unsigned long long)((unsigned __int128)s >> 64), (unsigned long long)s);
  unsigned __int128 a = ((unsigned __int128)0xfedcba9876543210ull << 64) | 0x0123456789abcdefull;
  unsigned __int128 b = 0x1234567890ull;
  print_u128(a / b);
  print_u128(a % b);
  uint64_t hi = 0;
  for (uint64_t k = 1; k < 100000; k += 7) hi += (uint64_t)(((unsigned __int128)k * 0x9e3779b97f4a7c15ull) >> 64);
  printf("hi=%llu\n", (unsigned long long)hi);
  return 0;
}
