// MSI-X from a virtio device into the GIC. The virtio-rng function (slot 4) gets its BARs placed,
// bus mastering on, MSI-X table entry 0 pointing at
//   vz:   the GICv2m frame's MSI_SETSPI_NS with the first SPI of MSI_TYPER's range (edge SPI), or
//   qemu: the ITS's GITS_TRANSLATER with EventID 0, after LPI tables (GICR_PROPBASER/PENDBASER,
//         GICR_CTLR.EnableLPIs), ITS tables (GITS_BASERn, GITS_CBASER) and the commands
//         MAPD, MAPC, MAPTI, SYNC (IHI 0069 5.3) map DeviceID 0x20 (00:04.0) / event 0 to LPI 8192.
// It is then driven as a virtio 1.x device (virtio 1.2 3.1.1) with one split virtqueue (2.7):
// one device-writable 16-byte buffer, a notify, and the used-buffer interrupt arrives as an MSI.
RNG_SLOT = 4
DEVICE_ID = RNG_SLOT << 3
TABLES = RAM + 0x200000
DESC = TABLES
AVAIL = TABLES + 0x1000
USED = TABLES + 0x2000
BUF = TABLES + 0x3000
PROPTAB = TABLES + 0x10000
PENDTAB = TABLES + 0x20000
ITT = TABLES + 0x30000
CMDQ = TABLES + 0x40000
ITSTAB = TABLES + 0x50000                   // 64 KiB per GITS_BASERn
BAR_COMMON = PCIMMIO
BAR_MSIX = PCIMMIO + 0x100000
LPI = 8192

main:
    PRINT   "msi\n"
    bl      gic_dist_init
    bl      gic_cpu_init
    mov     x20, x0                         // SGI_base (RD_base = x20 - 0x10000)
    ldr     x19, =ECAM + (RNG_SLOT << 15)

    // Capabilities: COMMON_CFG (x22 bar, x23 offset), NOTIFY_CFG (x24 offset, x25 multiplier),
    // MSI-X (x26 position).
    ldrb    w1, [x19, #0x34]
1:  cbz     w1, 4f
    add     x2, x19, x1
    ldrb    w0, [x2]
    cmp     w0, #0x11
    b.ne    2f
    mov     x26, x1
2:  cmp     w0, #0x09
    b.ne    3f
    ldrb    w3, [x2, #3]                    // cfg_type
    cmp     w3, #1
    b.ne    5f
    ldrb    w22, [x2, #4]
    ldr     w23, [x2, #8]
5:  cmp     w3, #2
    b.ne    3f
    ldr     w24, [x2, #8]
    ldr     w25, [x2, #16]                  // notify_off_multiplier
3:  ldrb    w1, [x2, #1]
    b       1b
4:
    // Place the structures BAR and the MSI-X table BAR; memory decoding and bus mastering on.
    mov     x0, x19
    mov     x1, x22
    ldr     x2, =BAR_COMMON
    bl      bar_place
    add     x1, x19, x26
    ldr     w21, [x1, #4]                   // Table Offset/BIR
    mov     x0, x19
    and     x1, x21, #7
    ldr     x2, =BAR_MSIX
    bl      bar_place
    and     x21, x21, #~7
    ldr     x0, =BAR_MSIX
    add     x21, x21, x0                    // x21 = MSI-X table
    ldrh    w0, [x19, #0x04]
    orr     w0, w0, #6                      // Memory Space Enable | Bus Master Enable
    strh    w0, [x19, #0x04]

.if HAS_ITS
    bl      its_setup                       // x27 = INTID, x28 = doorbell, w29 = data
.else
    ldr     x1, =MSIFRAME
    ldr     w0, [x1, #0x08]                 // MSI_TYPER
    ubfx    x27, x0, #16, #10               // first SPI
    and     x0, x0, #0x3ff
    CHECK   "v2m spi base", x27, V2M_SPI
    cmp     x0, #0
    cset    x0, ne
    CHECK   "v2m spi count", x0, 1
    mov     w0, w27
    bl      gic_enable_spi
    ldr     x1, =GICD + 0xc00               // GICD_ICFGR<n>: edge-triggered
    lsr     w2, w27, #4
    ldr     w3, [x1, x2, lsl #2]
    and     w4, w27, #15
    lsl     w4, w4, #1
    add     w4, w4, #1
    mov     w5, #1
    lsl     w5, w5, w4
    orr     w3, w3, w5
    str     w3, [x1, x2, lsl #2]
    ldr     x28, =MSIFRAME + 0x40           // MSI_SETSPI_NS
    mov     w29, w27
.endif

    // MSI-X table entry 0 (PCI 3.0 6.8.2.6), then MSI-X Enable with the function unmasked.
    str     w28, [x21, #0]
    lsr     x0, x28, #32
    str     w0, [x21, #4]
    str     w29, [x21, #8]
    str     wzr, [x21, #12]
    add     x1, x19, x26
    ldrh    w0, [x1, #2]
    orr     w0, w0, #0x8000
    and     w0, w0, #~0x4000
    strh    w0, [x1, #2]

    // virtio 1.x driver initialisation (virtio 1.2 3.1.1) through virtio_pci_common_cfg.
    ldr     x21, =BAR_COMMON
    add     x21, x21, x23
    strb    wzr, [x21, #0x14]               // reset
    mov     w0, #1
    strb    w0, [x21, #0x14]                // ACKNOWLEDGE
    mov     w0, #3
    strb    w0, [x21, #0x14]                // | DRIVER
    mov     w0, #1
    str     w0, [x21, #0x08]                // driver_feature_select = 1
    str     w0, [x21, #0x0c]                // VIRTIO_F_VERSION_1
    mov     w0, #0xb
    strb    w0, [x21, #0x14]                // | FEATURES_OK
    ldrb    w0, [x21, #0x14]
    and     x0, x0, #8
    CHECK   "features", x0, 8
    strh    wzr, [x21, #0x16]               // queue_select = 0
    mov     w0, #8
    strh    w0, [x21, #0x18]                // queue_size = 8
    strh    wzr, [x21, #0x1a]               // queue_msix_vector = 0
    ldrh    w0, [x21, #0x1a]
    CHECK   "queue vector", x0, 0
    ldr     x0, =DESC
    str     w0, [x21, #0x20]
    str     wzr, [x21, #0x24]
    ldr     x0, =AVAIL
    str     w0, [x21, #0x28]
    str     wzr, [x21, #0x2c]
    ldr     x0, =USED
    str     w0, [x21, #0x30]
    str     wzr, [x21, #0x34]
    mov     w0, #1
    strh    w0, [x21, #0x1c]                // queue_enable
    ldrh    w1, [x21, #0x1e]                // queue_notify_off
    mul     w1, w1, w25
    add     x1, x1, x24
    ldr     x0, =BAR_COMMON
    add     x24, x0, x1                     // x24 = this queue's notify address
    mov     w0, #0xf
    strb    w0, [x21, #0x14]                // | DRIVER_OK

    // One device-writable buffer in descriptor 0, published in the available ring.
    ldr     x1, =DESC
    ldr     x0, =BUF
    str     x0, [x1]                        // addr
    mov     w0, #16
    str     w0, [x1, #8]                    // len
    mov     w0, #2
    strh    w0, [x1, #12]                   // flags = VIRTQ_DESC_F_WRITE
    strh    wzr, [x1, #14]
    ldr     x1, =AVAIL
    strh    wzr, [x1]                       // flags: interrupts wanted
    strh    wzr, [x1, #4]                   // ring[0] = descriptor 0
    dmb     ishst
    mov     w0, #1
    strh    w0, [x1, #2]                    // idx = 1
    dsb     sy
    strh    wzr, [x24]                      // notify queue 0

    WAIT_GE intid, 1
    CHECK   "msi intid", x0, MSI_INTID
    ldr     x22, =USED
    ldrh    w0, [x22, #2]
    CHECK   "used idx", x0, 1
    ldr     w0, [x22, #4]
    CHECK   "used id", x0, 0
    ldr     w0, [x22, #8]
    CHECK   "used len", x0, 16
    ldr     x1, =BUF
    ldp     x2, x3, [x1]
    orr     x2, x2, x3
    cmp     x2, #0
    cset    x0, ne
    CHECK   "random bytes", x0, 1
    ldr     x0, irqs
    CHECK   "one interrupt", x0, 1
    PRINT   "done\n"
    b       poweroff

.if HAS_ITS
// its_cmd: x0..x3 = the four doublewords of one ITS command; x9 = queue write offset (advanced).
its_cmd:
    ldr     x4, =CMDQ
    add     x4, x4, x9
    stp     x0, x1, [x4]
    stp     x2, x3, [x4, #16]
    add     x9, x9, #32
    ret

its_setup:
    mov     x18, x30
    // LPI configuration (priority 0xa0, enabled) and pending tables for this redistributor.
    ldr     x0, =PROPTAB
    mov     w1, #0xa1
    strb    w1, [x0]                        // LPI 8192 is entry 0
    dsb     sy
    sub     x1, x20, #0x10000               // RD_base
    ldr     x0, =PROPTAB | 13               // IDbits: 14 bits of INTID
    str     x0, [x1, #0x70]                 // GICR_PROPBASER
    ldr     x0, =PENDTAB
    str     x0, [x1, #0x78]                 // GICR_PENDBASER
    ldr     w0, [x1]
    orr     w0, w0, #1                      // GICR_CTLR.EnableLPIs
    str     w0, [x1]
    // ITS tables: every GITS_BASERn with a Type gets 64 KiB (16 flat 4 KiB pages), Valid.
    ldr     x10, =MSIFRAME
    mov     x11, #0
1:  add     x12, x10, #0x100
    ldr     x0, [x12, x11, lsl #3]
    ubfx    x1, x0, #56, #3                 // Type
    cbz     x1, 2f
    ldr     x2, =ITSTAB
    add     x2, x2, x11, lsl #16
    and     x0, x0, #(0x1f << 48)           // keep Entry_Size (read-only)
    orr     x0, x0, x1, lsl #56
    orr     x0, x0, x2
    orr     x0, x0, #15                     // Size: 16 pages
    orr     x0, x0, #(1 << 63)              // Valid
    str     x0, [x12, x11, lsl #3]
2:  add     x11, x11, #1
    cmp     x11, #8
    b.lo    1b
    ldr     x0, =CMDQ
    orr     x0, x0, #(1 << 63)              // GITS_CBASER: Valid, one 4 KiB page
    str     x0, [x10, #0x80]
    str     xzr, [x10, #0x88]               // GITS_CWRITER
    ldr     w0, [x10]
    orr     w0, w0, #1                      // GITS_CTLR.Enabled
    str     w0, [x10]
    // Collection target: the redistributor's address (GITS_TYPER.PTA = 1) or its processor
    // number from GICR_TYPER (PTA = 0), in RDbase bits [51:16].
    ldr     x0, [x10, #0x08]                // GITS_TYPER
    sub     x1, x20, #0x10000
    tbnz    x0, #19, 3f
    ldr     x1, [x1, #0x08]                 // GICR_TYPER
    ubfx    x1, x1, #8, #16                 // Processor_Number
    lsl     x1, x1, #16
3:  mov     x13, x1
    mov     x9, #0
    ldr     x0, =(DEVICE_ID << 32) | 0x08   // MAPD DeviceID, Size = 5 bits of EventID, ITT, V
    mov     x1, #4
    ldr     x2, =ITT | (1 << 63)
    mov     x3, #0
    bl      its_cmd
    mov     x0, #0x09                       // MAPC ICID 0 -> RDbase, V
    mov     x1, #0
    orr     x2, x13, #(1 << 63)
    mov     x3, #0
    bl      its_cmd
    ldr     x0, =(DEVICE_ID << 32) | 0x0a   // MAPTI DeviceID, EventID 0 -> LPI, ICID 0
    ldr     x1, =(LPI << 32)
    mov     x2, #0
    mov     x3, #0
    bl      its_cmd
    mov     x0, #0x05                       // SYNC RDbase
    mov     x1, #0
    mov     x2, x13
    mov     x3, #0
    bl      its_cmd
    str     x9, [x10, #0x88]                // GITS_CWRITER
4:  ldr     x0, [x10, #0x90]                // GITS_CREADR
    cmp     x0, x9
    b.ne    4b
    CHECK   "its commands consumed", x0, 4 * 32
    ldr     x27, =LPI
    ldr     x28, =MSIFRAME + 0x10040        // GITS_TRANSLATER
    mov     w29, #0                         // EventID 0
    mov     x30, x18
    ret
.endif

on_irq:
    mrs     x1, ICC_IAR1_EL1
    sub     x2, x1, #1020                   // 1020-1023 are special (spurious); LPIs are >= 8192
    cmp     x2, #4
    b.lo    1f
    STV     x1, intid
    ldr     x2, irqs
    add     x2, x2, #1
    STV     x2, irqs
    msr     ICC_EOIR1_EL1, x1
1:  ret

    .balign 8
intid:  .quad 0
irqs:   .quad 0
