#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t xs = 88172645463325252ull;
static uint64_t next(void) { xs ^= xs << 13; xs ^= xs >> 7; xs ^= xs << 17; return xs; }
static int cmp(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return (x > y) - (x < y);
}

int main(void) {
  uint64_t acc = 0;
  for (int i = 0; i < 20000; i++) {
    uint64_t a = next(), b = next() | 1;
    int64_t sa = (int64_t)a, sb = (int64_t)b;
    acc += a / b + a % b + (uint64_t)(sa / sb) + (uint64_t)(sa % sb);
    acc ^= (a * b) + (a >> (b & 63)) + (uint64_t)(sa >> (b & 63)) + __builtin_clzll(b) + __builtin_popcountll(a);
    acc += (uint32_t)a / (uint32_t)b + (uint32_t)((int32_t)a / (int32_t)b);
    acc = (acc << 7) | (acc >> 57);
  }
  printf("acc=%016llx\n", (unsigned long long)acc);
  int64_t arr[200];
  for (int i = 0; i < 200; i++) arr[i] = (int64_t)next();
  qsort(arr, 200, sizeof arr[0], cmp);
  printf("min=%lld max=%lld mid=%lld\n", (long long)arr[0], (long long)arr[199], (long long)arr[100]);
  char buf[256];
  snprintf(buf, sizeof buf, "%d %u %x %o %5.3s|%-6d|%+d %c %%", -42, 42u, 0xbeef, 8, "abcdef", 7, 9, 'z');
  printf("%s len=%zu\n", buf, strlen(buf));
  char *s = strdup("The quick brown fox jumps over the lazy dog");
  printf("strchr=%s strrchr=%s memchr=%s\n", strchr(s, 'q'), strrchr(s, 'o'), (char *)memchr(s, 'z', 44));
  char big[1000];
  memset(big, 'x', sizeof big);
  big[999] = 0;
  memcpy(big + 10, s, 20);
  printf("strlen=%zu cmp=%d %.40s\n", strlen(big), memcmp(big, s, 5), big);
  free(s);
  return 3;
}
