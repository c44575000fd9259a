#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv) {
  const char *path = argc > 1 ? argv[1] : "/tmp/armature-files-test.txt";
  FILE *f = fopen(path, "w");
  if (!f) return 1;
  for (int i = 0; i < 100; i++) fprintf(f, "line %03d\n", i);
  fclose(f);
  int fd = open(path, O_RDONLY);
  char buf[32];
  lseek(fd, 9 * 42, SEEK_SET);
  ssize_t n = read(fd, buf, 9);
  buf[n] = 0;
  printf("at 42: %s", buf);
  off_t end = lseek(fd, 0, SEEK_END);
  lseek(fd, -9, SEEK_CUR);
  n = read(fd, buf, 9);
  buf[n] = 0;
  printf("size %ld, last: %s", (long)end, buf);
  close(fd);
  f = fopen(path, "r");
  int lines = 0;
  while (fgets(buf, sizeof buf, f)) lines++;
  fseek(f, 18, SEEK_SET);
  printf("lines %d, ftell after fseek %ld, next %s", lines, ftell(f), fgets(buf, sizeof buf, f));
  fclose(f);
  /* dup/dup2 (dup3 on aarch64): make the file stdin, read through fd 0, then restore it. */
  int fd2 = open(path, O_RDONLY);
  int saved = dup(0);
  dup2(fd2, 0);
  close(fd2);
  n = read(0, buf, 9);
  buf[n > 0 ? n : 0] = 0;
  printf("stdin now: %s", buf);
  dup2(saved, 0);
  close(saved);
  printf("dup ok, bad dup: %d\n", dup(1000));
  unlink(path);
  char cwd[256];
  printf("cwd ok: %d, uid match: %d\n", getcwd(cwd, sizeof cwd) != NULL, getuid() == geteuid());
  return 0;
}
