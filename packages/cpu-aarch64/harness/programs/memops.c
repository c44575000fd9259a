/* memcpy/memset workload: glibc's string functions (AdvSIMD loads/stores) over sizes from 16 B to
   64 KiB at unaligned offsets. argv[1] = rounds (default 4); prints a hash of the buffers. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX (1 << 16)
static uint8_t src[MAX + 64], dst[MAX + 64];

int main(int argc, char **argv) {
  int rounds = argc > 1 ? atoi(argv[1]) : 4;
  for (int i = 0; i < MAX + 64; i++) src[i] = (uint8_t)(i * 131 + 7);
  static const size_t sizes[] = {16, 64, 256, 1024, 4096, 16384, 65536};
  uint64_t h = 1469598103934665603ull;
  for (int r = 0; r < rounds; r++)
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
      size_t n = sizes[k];
      for (size_t i = 0; i < (1u << 20) / n; i++) { /* 1 MiB copied per size and round */
        size_t so = (i * 13 + r) & 63, d = (i * 7 + k) & 63;
        memcpy(dst + d, src + so, n);
        memset(dst + d + n / 4, (int)(i + r), n / 2);
        h = (h ^ dst[d] ^ ((uint64_t)dst[d + n - 1] << 8) ^ ((uint64_t)dst[d + n / 2] << 16)) * 1099511628211ull;
      }
    }
  for (int i = 0; i < MAX + 64; i++) h = (h ^ dst[i]) * 1099511628211ull;
  printf("rounds=%d hash=%016llx\n", rounds, (unsigned long long)h);
  return 0;
}
