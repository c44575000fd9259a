#include <stdio.h>
int main(int argc, char **argv) {
  printf("hello, %s! argc=%d\n", argc > 1 ? argv[1] : "world", argc);
  return 0;
}
