/* Prints the first N EV_KEY events of an evdev node as "KEY <code> <value>" lines, then exits.
 * Part of @armature/usb's guest checks; the test compiles it static for aarch64. */
#include <fcntl.h>
#include <linux/input.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: evkeys /dev/input/eventN count\n");
    return 2;
  }
  int fd = open(argv[1], O_RDONLY);
  if (fd < 0) {
    perror("open");
    return 2;
  }
  printf("EVKEYS READY\n");
  fflush(stdout);
  int want = atoi(argv[2]);
  struct input_event ev;
  while (want > 0 && read(fd, &ev, sizeof ev) == sizeof ev) {
    if (ev.type != EV_KEY) continue;
    printf("KEY %u %d\n", ev.code, ev.value);
    fflush(stdout);
    want--;
  }
  return 0;
}
