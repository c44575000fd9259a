#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>

int main(void) {
  _Atomic uint64_t a = 5;
  _Atomic uint32_t b = 7;
  _Atomic uint16_t h = 65530;
  _Atomic uint8_t c = 250;
  uint64_t r = 0;
  for (int i = 0; i < 1000; i++) {
    r += atomic_fetch_add(&a, (uint64_t)i * 3);
    r ^= atomic_fetch_sub(&b, 3);
    r += atomic_fetch_or(&h, (uint16_t)i);
    r += atomic_fetch_and(&c, (uint8_t)(i | 0x81));
    r += atomic_fetch_xor(&a, 0x5555);
    uint64_t exp = atomic_load(&a);
    atomic_compare_exchange_strong(&a, &exp, exp * 2 + 1);
    uint32_t e2 = 12345;
    if (!atomic_compare_exchange_weak(&b, &e2, 1)) r += e2;
    r += atomic_exchange(&c, (uint8_t)i);
  }
  printf("a=%llu b=%u h=%u c=%u r=%llu\n", (unsigned long long)a, (unsigned)b, (unsigned)h, (unsigned)c,
         (unsigned long long)r);
  __int128 x = 0;
  _Atomic __int128 *px = (_Atomic __int128 *)&x;
  (void)px;
  return 0;
}
