/* Captures N frames (default 3) of WxH YUYV (default 640x480) from /dev/video0 through
 * REQBUFS/QBUF/STREAMON/DQBUF and prints one line per frame:
 *   FRAME <sequence> <bytesused> <fnv1a32 hex> <flags hex>
 * Part of @armature/usb's guest checks; the test compiles it static for aarch64. */
#include <fcntl.h>
#include <linux/videodev2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#define NBUF 4

static void must(int r, const char *what) {
  if (r < 0) {
    perror(what);
    exit(2);
  }
}

/* A buffer of the MMAP capture queue, zeroed but for its type, memory and index. */
static struct v4l2_buffer capture_buffer(unsigned index) {
  struct v4l2_buffer b;
  memset(&b, 0, sizeof b);
  b.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
  b.memory = V4L2_MEMORY_MMAP;
  b.index = index;
  return b;
}

int main(int argc, char **argv) {
  const char *dev = argc > 1 ? argv[1] : "/dev/video0";
  int frames = argc > 2 ? atoi(argv[2]) : 3;
  int w = argc > 3 ? atoi(argv[3]) : 640, h = argc > 4 ? atoi(argv[4]) : 480;
  int fd = open(dev, O_RDWR);
  must(fd, "open");
  struct v4l2_format fmt;
  memset(&fmt, 0, sizeof fmt);
  fmt.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
  fmt.fmt.pix.width = w;
  fmt.fmt.pix.height = h;
  fmt.fmt.pix.pixelformat = V4L2_PIX_FMT_YUYV;
  fmt.fmt.pix.field = V4L2_FIELD_NONE;
  must(ioctl(fd, VIDIOC_S_FMT, &fmt), "VIDIOC_S_FMT");
  printf("FORMAT %ux%u %.4s %u\n", fmt.fmt.pix.width, fmt.fmt.pix.height, (char *)&fmt.fmt.pix.pixelformat,
         fmt.fmt.pix.sizeimage);
  struct v4l2_requestbuffers req;
  memset(&req, 0, sizeof req);
  req.count = NBUF;
  req.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
  req.memory = V4L2_MEMORY_MMAP;
  must(ioctl(fd, VIDIOC_REQBUFS, &req), "VIDIOC_REQBUFS");
  void *mem[NBUF];
  for (unsigned i = 0; i < req.count && i < NBUF; i++) {
    struct v4l2_buffer b = capture_buffer(i);
    must(ioctl(fd, VIDIOC_QUERYBUF, &b), "VIDIOC_QUERYBUF");
    mem[i] = mmap(0, b.length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, b.m.offset);
    if (mem[i] == MAP_FAILED) {
      perror("mmap");
      return 2;
    }
    must(ioctl(fd, VIDIOC_QBUF, &b), "VIDIOC_QBUF");
  }
  int type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
  must(ioctl(fd, VIDIOC_STREAMON, &type), "VIDIOC_STREAMON");
  for (int n = 0; n < frames; n++) {
    struct v4l2_buffer b = capture_buffer(0);
    must(ioctl(fd, VIDIOC_DQBUF, &b), "VIDIOC_DQBUF");
    uint32_t hash = 2166136261u;
    const uint8_t *p = mem[b.index];
    for (uint32_t i = 0; i < b.bytesused; i++) hash = (hash ^ p[i]) * 16777619u;
    printf("FRAME %u %u %08x %x\n", b.sequence, b.bytesused, hash, b.flags);
    fflush(stdout);
    must(ioctl(fd, VIDIOC_QBUF, &b), "VIDIOC_QBUF");
  }
  must(ioctl(fd, VIDIOC_STREAMOFF, &type), "VIDIOC_STREAMOFF");
  return 0;
}
