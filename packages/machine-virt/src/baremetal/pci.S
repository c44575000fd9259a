// PCI enumeration through ECAM (PCIe Base 7.2.2: bus << 20 | device << 15 | function << 12):
// print the vendor/device ids of slots 1-4, then on the virtio-rng function (slot 4) walk the
// capability list for the virtio COMMON_CFG capability (virtio 1.2 4.1.4.3), size its BAR
// (write all-ones, read back, PCI 3.0 6.2.5.1), place it at the start of the PCI memory window,
// enable memory decoding and read the common configuration through it.
RNG_SLOT = 4

main:
    PRINT   "pci\n"
    ldr     x20, =ECAM
    mov     x21, #1
1:  PRINT   "slot "
    mov     x0, x21
    bl      puthex
    PRINT   " id "
    add     x22, x20, x21, lsl #15
    ldr     w0, [x22]                       // Device ID << 16 | Vendor ID
    bl      puthex
    PRINT   " class "
    ldr     w0, [x22, #0x08]
    lsr     w0, w0, #8                      // Class Code
    bl      puthex
    PRINT   "\n"
    add     x21, x21, #1
    cmp     x21, #5
    b.lo    1b

    add     x22, x20, #(RNG_SLOT << 15)
    ldrh    w0, [x22, #0x06]                // Status: Capabilities List
    ubfx    x0, x0, #4, #1
    CHECK   "cap list", x0, 1
    ldrb    w23, [x22, #0x34]               // Capabilities Pointer
    mov     x24, #-1                        // COMMON_CFG BAR
    mov     x25, #0                         // its offset
    mov     x26, #0                         // MSI-X seen
2:  cbz     w23, 4f
    ldrb    w0, [x22, x23]                  // Capability ID
    cmp     w0, #0x11
    b.ne    3f
    mov     x26, #1
3:  cmp     w0, #0x09                       // vendor specific
    b.ne    5f
    add     x1, x22, x23
    ldrb    w2, [x1, #3]                    // cfg_type
    cmp     w2, #1
    b.ne    5f
    ldrb    w24, [x1, #4]                   // bar
    ldr     w25, [x1, #8]                   // offset
5:  add     x1, x22, x23
    ldrb    w23, [x1, #1]                   // Next Capability
    b       2b
4:  CHECK   "msix cap", x26, 1
    PRINT   "common cfg bar "
    mov     x0, x24
    bl      puthex
    PRINT   " offset "
    mov     x0, x25
    bl      puthex
    PRINT   "\n"

    // Size the BAR.
    add     x27, x22, #0x10
    add     x27, x27, x24, lsl #2           // &BAR[n]
    mov     w0, #-1
    str     w0, [x27]
    ldr     w1, [x27]
    and     x28, x1, #6                     // type: 0b100 = 64-bit
    cmp     x28, #4
    b.ne    6f
    str     w0, [x27, #4]
    ldr     w2, [x27, #4]
    orr     x1, x1, x2, lsl #32
    b       7f
6:  orr     x1, x1, #0xffffffff00000000
7:  and     x1, x1, #~0xf
    neg     x19, x1                         // size = ~mask + 1
    PRINT   "bar size "
    mov     x0, x19
    bl      puthex
    PRINT   "\n"
    CHECK   "bar is 64-bit", x28, 4

    // Place it at the start of the 32-bit window and turn on memory decoding.
    ldr     w0, =PCIMMIO
    str     w0, [x27]
    str     wzr, [x27, #4]
    ldr     w0, [x27]
    and     w0, w0, #~0xf
    CHECK   "bar readback", x0, PCIMMIO
    ldrh    w0, [x22, #0x04]
    orr     w0, w0, #2                      // Command: Memory Space Enable
    strh    w0, [x22, #0x04]

    // virtio_pci_common_cfg (virtio 1.2 4.1.4.3).
    ldr     x21, =PCIMMIO
    add     x21, x21, x25
    ldrh    w0, [x21, #0x12]                // num_queues
    CHECK   "rng num_queues", x0, 1
    mov     w0, #1
    str     w0, [x21, #0x00]                // device_feature_select = 1
    ldr     w0, [x21, #0x04]                // device_feature bits 32-63
    and     x0, x0, #1                      // VIRTIO_F_VERSION_1 (bit 32)
    CHECK   "version_1 offered", x0, 1
    mov     w0, #1
    strb    w0, [x21, #0x14]                // device_status = ACKNOWLEDGE
    ldrb    w0, [x21, #0x14]
    CHECK   "status acknowledge", x0, 1
    strb    wzr, [x21, #0x14]               // reset
    ldrb    w0, [x21, #0x14]
    CHECK   "status reset", x0, 0
    PRINT   "done\n"
    b       poweroff
