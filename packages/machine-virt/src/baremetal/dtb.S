// A raw binary is entered like a Linux Image (arm64 booting.rst): x0 = the DTB's physical address,
// x1 = x2 = x3 = 0. Check the flattened tree's header (DTSpec 5.2: big-endian magic 0xd00dfeed,
// version 17) and report its address and total size for the host to compare.
main:
    mov     x19, x0
    mov     x20, x1
    mov     x21, x2
    mov     x22, x3
    PRINT   "dtb\n"
    CHECK   "x1 zero", x20, 0
    CHECK   "x2 zero", x21, 0
    CHECK   "x3 zero", x22, 0
    ldr     w0, [x19]
    rev     w0, w0
    CHECK   "fdt magic", x0, 0xd00dfeed
    ldr     w0, [x19, #20]                  // version
    rev     w0, w0
    CHECK   "fdt version", x0, 17
    PRINT   "at "
    mov     x0, x19
    bl      puthex
    PRINT   " size "
    ldr     w0, [x19, #4]                   // totalsize
    rev     w0, w0
    bl      puthex
    PRINT   "\ndone\n"
    b       poweroff
