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
RING = TABLES                               // desc +0, avail +0x100, used +0x200 (virtio_queue_setup)
USED = RING + 0x200
BUF = TABLES + 0x3000
PROPTAB = TABLES + 0x10000
PENDTAB = TABLES + 0x20000
ITT = TABLES + 0x30000
CMDQ = TABLES + 0x40000
ITSTAB = TABLES + 0x50000                   // 64 KiB per GITS_BASERn
BAR_MSIX = PCIMMIO + 0x100000
LPI = 8192

main:
    PRINT   "msi\n"
    bl      gic_dist_init
    bl      gic_cpu_init
    mov     x20, x0                         // SGI_base (RD_base = x20 - 0x10000)

    // virtio-rng's structures BAR, memory decoding and bus mastering (prelude's virtio_pci_setup:
    // x19 = config space, x21 = common config, x24 = notify base, w25 = notify multiplier).
    ldr     w0, =0x10441af4
    bl      virtio_pci_setup
    // The MSI-X capability (x23 = its position); its table BAR placed at BAR_MSIX.
    ldrb    w1, [x19, #0x34]
1:  cbz     w1, 3f
    add     x2, x19, x1
    ldrb    w0, [x2]
    cmp     w0, #0x11
    b.ne    2f
    mov     x23, x1
2:  ldrb    w1, [x2, #1]
    b       1b
3:  add     x1, x19, x23
    ldr     w22, [x1, #4]                   // Table Offset/BIR
    mov     x0, x19
    and     x1, x22, #7
    ldr     x2, =BAR_MSIX
    bl      bar_place
    and     x22, x22, #~7
    ldr     x0, =BAR_MSIX
    add     x22, x22, x0                    // x22 = MSI-X table

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
    str     w28, [x22, #0]
    lsr     x0, x28, #32
    str     w0, [x22, #4]
    str     w29, [x22, #8]
    str     wzr, [x22, #12]
    add     x1, x19, x23
    ldrh    w0, [x1, #2]
    orr     w0, w0, #0x8000
    and     w0, w0, #~0x4000
    strh    w0, [x1, #2]

    // virtio 1.x driver initialisation (virtio 1.2 3.1.1): queue 0 with MSI-X vector 0.
    mov     w0, #1                          // VIRTIO_F_VERSION_1
    bl      virtio_negotiate
    CHECK   "features", x0, 8
    mov     w0, #0
    ldr     x1, =RING
    mov     w3, #0
    bl      virtio_queue_setup_msix
    mov     x24, x0                         // this queue's notify address
    strh    wzr, [x21, #0x16]               // queue_select = 0
    ldrh    w0, [x21, #0x1a]
    CHECK   "queue vector", x0, 0
    mov     w0, #0xf
    strb    w0, [x21, #0x14]                // | DRIVER_OK

    // One device-writable buffer in descriptor 0, published in the available ring.
    ldr     x0, =BUF
    ldr     x1, =RING
    mov     w2, #16
    mov     w3, #2                          // VIRTQ_DESC_F_WRITE
    mov     x4, x24
    mov     w5, #0
    bl      virtq_post_first

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
