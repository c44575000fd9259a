// virtio-net (virtio 1.2 5.1) from bare metal: an ARP request for 10.0.2.2 (RFC 826) goes out on
// the transmitq behind a 12-byte virtio_net_hdr; the board's built-in peer (QEMU: slirp) answers
// on the receiveq. Polled, no interrupts.
TABLES = RAM + 0x200000
Q0 = TABLES                                 // receiveq: desc +0, avail +0x100, used +0x200
Q1 = TABLES + 0x1000                        // transmitq
RXBUF = TABLES + 0x2000

main:
    PRINT   "net\n"
    ldr     w0, =0x10411af4
    bl      virtio_pci_setup
    cbz     x0, 9f

    ldr     x0, =Q0                         // receiveq, transmitq at +0x1000
    ldr     x1, =RXBUF                      // one 2 KiB receive buffer
    mov     w2, #2048
    adr     x3, txbuf                       // the ARP request
    mov     w4, #(txbuf_end - txbuf)
    bl      virtio_rx_tx
    ldr     x1, =Q1
6:  ldrh    w0, [x1, #0x202]
    cbz     w0, 6b
    CHECK   "sent", x0, 1
    ldr     x1, =Q0
7:  ldrh    w0, [x1, #0x202]
    cbz     w0, 7b
    CHECK   "received", x0, 1

    ldr     x20, =RXBUF + 12                // the Ethernet frame after virtio_net_hdr
    ldrh    w0, [x20, #12]
    CHECK   "ethertype arp", x0, 0x0608     // 0x0806, big-endian
    ldrh    w0, [x20, #20]
    CHECK   "arp reply", x0, 0x0200         // oper 2
    ldr     w0, [x20, #28]
    CHECK   "sender 10.0.2.2", x0, 0x0202000a
    ldr     w0, [x20, #38]
    CHECK   "target 10.0.2.15", x0, 0x0f02000a
    ldr     w0, [x20, #32]                  // target MAC 52:54:00:12:34:56
    CHECK   "target mac", x0, 0x12005452
    PRINT   "peer mac"
    mov     x19, #22
8:  mov     w0, #' '
    bl      putc
    ldrb    w0, [x20, x19]
    bl      puthex
    add     x19, x19, #1
    cmp     x19, #28
    b.lo    8b
    PRINT   "\ndone\n"
    b       poweroff
9:  PRINT   "no virtio-net\n"
    b       poweroff

txbuf:
    .space  12                              // virtio_net_hdr (no offloads), num_buffers 0
    .byte   0xff, 0xff, 0xff, 0xff, 0xff, 0xff
    .byte   0x52, 0x54, 0x00, 0x12, 0x34, 0x56
    .byte   0x08, 0x06                      // ARP
    .byte   0x00, 0x01, 0x08, 0x00, 6, 4    // Ethernet, IPv4
    .byte   0x00, 0x01                      // request
    .byte   0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 10, 0, 2, 15
    .byte   0, 0, 0, 0, 0, 0, 10, 0, 2, 2
txbuf_end:
    .balign 4
