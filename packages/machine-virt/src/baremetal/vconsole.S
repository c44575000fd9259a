// The vz layout's Linux console is virtio-console (hvc0). Drive it from bare metal as a virtio 1.x
// PCI device (virtio 1.2 4.1 and 5.3): port 0's receiveq (0) gets a 16-byte device-writable
// buffer, its transmitq (1) a message; the message must reach the host console, and bytes the
// host types must arrive in the receive buffer. Polled (no interrupts): MSI-X vectors are
// VIRTIO_MSI_NO_VECTOR.
CON_SLOT = 2
TABLES = RAM + 0x200000
Q0 = TABLES                                 // desc +0, avail +0x100, used +0x200
Q1 = TABLES + 0x1000
RXBUF = TABLES + 0x2000

main:
    PRINT   "vconsole\n"
    ldr     w0, =0x10431af4
    bl      virtio_pci_setup
    CHECK   "console id", x0, CON_SLOT      // found, in its slot

    // VIRTIO_F_VERSION_1 only (one port, no multiport); port 0's receiveq gets one writable
    // buffer, its transmitq (at +0x1000) the message.
    ldr     x0, =Q0
    ldr     x1, =RXBUF
    mov     w2, #16
    adr     x3, msg
    mov     w4, #(msg_end - msg)
    bl      virtio_rx_tx
    ldr     x1, =Q1
5:  ldrh    w0, [x1, #0x202]                // used idx
    cbz     w0, 5b
    CHECK   "transmit used", x0, 1

    ldr     x1, =Q0
6:  ldrh    w0, [x1, #0x202]
    cbz     w0, 6b
    ldr     w20, [x1, #0x208]               // used ring[0].len
    CHECK   "received len", x20, 3
    PRINT   "received: "
    ldr     x20, =RXBUF
    ldrb    w0, [x20]
    bl      putc
    ldrb    w0, [x20, #1]
    bl      putc
    ldrb    w0, [x20, #2]
    bl      putc
    PRINT   "\ndone\n"
    b       poweroff

msg:    .ascii "hello through virtio-console\n"
msg_end:
    .balign 4
