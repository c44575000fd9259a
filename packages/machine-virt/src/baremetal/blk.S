// virtio-blk (virtio 1.2 5.2) from bare metal: find the function whose id is 0x1042 by scanning
// ECAM, read its capacity from the device-specific config, then on one split queue read sector
// 1 (VIRTIO_BLK_T_IN) and write sector 2 (VIRTIO_BLK_T_OUT), each a three-descriptor chain:
// header (readable), 512 data bytes, status byte (writable). Polled, no interrupts.
TABLES = RAM + 0x200000
Q = TABLES                                  // desc +0, avail +0x100, used +0x200
HDR = TABLES + 0x1000
DATA = TABLES + 0x2000
STATUS = TABLES + 0x3000

main:
    PRINT   "blk\n"
    mov     x27, #0
    ldr     w0, =0x10421af4
    bl      virtio_pci_setup
    cbz     x0, 9f
    ldr     x0, [x26]                       // capacity in 512-byte sectors
    CHECK   "capacity", x0, 16

    mov     w0, #1                          // VIRTIO_F_VERSION_1
    bl      virtio_negotiate
    CHECK   "features", x0, 8
    mov     w0, #0
    ldr     x1, =Q
    bl      virtio_queue_setup
    mov     x24, x0                         // queue 0's notify address
    mov     w0, #0xf
    strb    w0, [x21, #0x14]

    // Read sector 1.
    mov     x0, #0                          // VIRTIO_BLK_T_IN
    mov     x1, #1
    mov     x2, #2                          // data descriptor: device writes
    bl      request
    mov     x20, x1
    CHECK   "read status", x0, 0
    CHECK   "read used len", x20, 513       // 512 data bytes + the status byte
    PRINT   "sector 1: "
    ldr     x0, =DATA
    bl      puts
    PRINT   "\n"

    // Write sector 2.
    ldr     x0, =DATA
    adr     x1, wmsg
7:  ldrb    w2, [x1], #1
    strb    w2, [x0], #1
    cbnz    w2, 7b
    mov     x0, #1                          // VIRTIO_BLK_T_OUT
    mov     x1, #2
    mov     x2, #0                          // data descriptor: device reads
    bl      request
    CHECK   "write status", x0, 0
    PRINT   "done\n"
    b       poweroff
9:  PRINT   "no virtio-blk\n"
    b       poweroff

// request: x0 = type, x1 = sector, x2 = data descriptor flags (WRITE or 0); returns the status
// byte in x0 and the used length in x1. Uses avail/used index x27 (starts at 0).
request:
    mov     x16, x30
    ldr     x3, =HDR
    str     w0, [x3]                        // type
    str     wzr, [x3, #4]                   // reserved
    str     x1, [x3, #8]                    // sector
    ldr     x4, =STATUS
    mov     w5, #0xff
    strb    w5, [x4]
    ldr     x5, =Q
    ldr     x0, =DATA
    bl      virtq_post_chain3
    add     x27, x27, #1
    mov     w0, w27
    bl      virtq_wait_used
    ldrb    w0, [x4]
    mov     x30, x16
    ret

wmsg:   .asciz "written by the guest"
    .balign 4
