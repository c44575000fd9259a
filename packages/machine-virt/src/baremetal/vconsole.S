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
    ldr     x19, =ECAM + (CON_SLOT << 15)
    ldr     w0, [x19]
    CHECK   "console id", x0, 0x10431af4
    ldrb    w1, [x19, #0x34]                // capabilities: COMMON (x22 bar, x23), NOTIFY (x24, x25)
1:  cbz     w1, 4f
    add     x2, x19, x1
    ldrb    w0, [x2]
    cmp     w0, #0x09
    b.ne    3f
    ldrb    w3, [x2, #3]
    cmp     w3, #1
    b.ne    2f
    ldrb    w22, [x2, #4]
    ldr     w23, [x2, #8]
2:  cmp     w3, #2
    b.ne    3f
    ldr     w24, [x2, #8]
    ldr     w25, [x2, #16]
3:  ldrb    w1, [x2, #1]
    b       1b
4:  mov     x0, x19
    mov     x1, x22
    ldr     x2, =PCIMMIO
    bl      bar_place
    ldrh    w0, [x19, #0x04]
    orr     w0, w0, #6
    strh    w0, [x19, #0x04]
    ldr     x21, =PCIMMIO
    add     x21, x21, x23                   // common config
    ldr     x0, =PCIMMIO
    add     x24, x24, x0                    // notify base

    strb    wzr, [x21, #0x14]
    mov     w0, #3
    strb    w0, [x21, #0x14]                // ACKNOWLEDGE | DRIVER
    mov     w0, #1
    str     w0, [x21, #0x08]
    str     w0, [x21, #0x0c]                // VIRTIO_F_VERSION_1 only: one port, no multiport
    mov     w0, #0xb
    strb    w0, [x21, #0x14]
    ldrb    w0, [x21, #0x14]
    and     x0, x0, #8
    CHECK   "features", x0, 8
    mov     x0, #0
    ldr     x1, =Q0
    bl      queue_setup
    mov     x26, x0                         // receiveq notify address
    mov     x0, #1
    ldr     x1, =Q1
    bl      queue_setup
    mov     x27, x0                         // transmitq notify address
    mov     w0, #0xf
    strb    w0, [x21, #0x14]                // DRIVER_OK

    // receiveq: one writable buffer.
    ldr     x1, =Q0
    ldr     x0, =RXBUF
    str     x0, [x1]
    mov     w0, #16
    str     w0, [x1, #8]
    mov     w0, #2                          // VIRTQ_DESC_F_WRITE
    strh    w0, [x1, #12]
    strh    wzr, [x1, #0x104]               // avail ring[0] = 0
    dmb     ishst
    mov     w0, #1
    strh    w0, [x1, #0x102]                // avail idx = 1
    dsb     sy
    mov     w0, #0
    strh    w0, [x26]

    // transmitq: the message.
    ldr     x1, =Q1
    adr     x0, msg
    str     x0, [x1]
    mov     w0, #(msg_end - msg)
    str     w0, [x1, #8]
    strh    wzr, [x1, #12]
    strh    wzr, [x1, #0x104]
    dmb     ishst
    mov     w0, #1
    strh    w0, [x1, #0x102]
    dsb     sy
    mov     w0, #1
    strh    w0, [x27]
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

// queue_setup: x0 = queue index, x1 = ring memory; returns its notify address in x0.
queue_setup:
    strh    w0, [x21, #0x16]                // queue_select
    mov     w2, #4
    strh    w2, [x21, #0x18]                // queue_size
    mov     w2, #0xffff
    strh    w2, [x21, #0x1a]                // queue_msix_vector = NO_VECTOR
    str     w1, [x21, #0x20]                // queue_desc
    lsr     x2, x1, #32
    str     w2, [x21, #0x24]
    add     x3, x1, #0x100
    str     w3, [x21, #0x28]                // queue_driver
    str     w2, [x21, #0x2c]
    add     x3, x1, #0x200
    str     w3, [x21, #0x30]                // queue_device
    str     w2, [x21, #0x34]
    mov     w2, #1
    strh    w2, [x21, #0x1c]                // queue_enable
    ldrh    w2, [x21, #0x1e]                // queue_notify_off
    mul     w2, w2, w25
    add     x0, x24, x2
    ret

msg:    .ascii "hello through virtio-console\n"
msg_end:
    .balign 4
