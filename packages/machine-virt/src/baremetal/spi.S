// Distributor-side SPI state (IHI 0069 12.9): an SPI made pending by software (GICD_ISPENDR)
// becomes active on acknowledge (GICD_ISACTIVER) and inactive on EOI; with ICC_CTLR_EL1.EOImode
// = 1 the EOI only drops the running priority and ICC_DIR_EL1 deactivates; GICD_IROUTER sends
// an SPI to CPU 1 (started with PSCI CPU_ON).
SPI_A = 40
SPI_B = 41
CPU_ON = 0xc4000003

main:
    PRINT   "spi\n"
    bl      gic_dist_init
    bl      gic_cpu_init
    mov     w0, #SPI_A
    bl      gic_enable_spi
    ldr     x20, =GICD

    // EOImode 0.
    mov     w0, #(1 << (SPI_A - 32))
    str     w0, [x20, #0x204]               // GICD_ISPENDR1
    WAIT_GE irqs, 1
    ldr     x0, seen
    CHECK   "acknowledged", x0, SPI_A
    ldr     x0, act_in
    CHECK   "active in handler", x0, 1
    ldr     x0, pend_in
    CHECK   "not pending in handler", x0, 0
    bl      active_a
    CHECK   "inactive after eoi", x0, 0

    // EOImode 1: EOIR drops priority, DIR deactivates.
    mrs     x0, ICC_CTLR_EL1
    orr     x0, x0, #2
    msr     ICC_CTLR_EL1, x0
    isb
    mov     w0, #(1 << (SPI_A - 32))
    str     w0, [x20, #0x204]
    WAIT_GE irqs, 2
    bl      active_a
    CHECK   "still active after eoir", x0, 1
    mrs     x0, ICC_RPR_EL1
    CHECK   "priority dropped", x0, 0xff
    mov     x0, #SPI_A
    msr     ICC_DIR_EL1, x0
    isb
    bl      active_a
    CHECK   "inactive after dir", x0, 0
    mrs     x0, ICC_CTLR_EL1
    bic     x0, x0, #2
    msr     ICC_CTLR_EL1, x0
    isb

    // GICD_IROUTER: SPI_B to CPU 1.
    ldr     x0, =CPU_ON
    mov     x1, #1
    adr     x2, secondary_start
    mov     x3, #0
    hvc     #0
1:  wfe
    ldr     x0, ready
    cbz     x0, 1b
    mov     w0, #SPI_B
    bl      gic_enable_spi                  // (routes to CPU 0 ...)
    mov     x0, #1
    mov     x1, #(0x6000 + 8 * SPI_B)
    str     x0, [x20, x1]                   // ... GICD_IROUTER<SPI_B> = Aff0 1
    mov     w0, #(1 << (SPI_B - 32))
    str     w0, [x20, #0x204]
2:  wfe
    ldr     x0, cpu1_seen
    cbz     x0, 2b
    CHECK   "cpu 1 got the routed spi", x0, SPI_B
    ldr     x0, irqs
    CHECK   "cpu 0 did not", x0, 2
    PRINT   "done\n"
    b       poweroff

active_a:                                   // x0 = GICD_ISACTIVER1 bit of SPI_A
    ldr     w0, [x20, #0x304]
    ubfx    x0, x0, #(SPI_A - 32), #1
    ret

secondary_main:
    bl      gic_cpu_init
    mov     x0, #1
    STV     x0, ready
    sev
1:  msr     daifclr, #2
    wfi
    b       1b

on_irq:
    mrs     x1, ICC_IAR1_EL1
    mrs     x2, mpidr_el1
    tst     x2, #0xff
    b.eq    1f
    STV     x1, cpu1_seen
    msr     ICC_EOIR1_EL1, x1
    sev
    ret
1:  STV     x1, seen
    ldr     x3, =GICD
    ldr     w4, [x3, #0x304]                // GICD_ISACTIVER1
    ubfx    x4, x4, #(SPI_A - 32), #1
    STV     x4, act_in
    ldr     w4, [x3, #0x204]                // GICD_ISPENDR1
    ubfx    x4, x4, #(SPI_A - 32), #1
    STV     x4, pend_in
    msr     ICC_EOIR1_EL1, x1
    ldr     x2, irqs
    add     x2, x2, #1
    STV     x2, irqs
    ret

    .balign 8
irqs:      .quad 0
seen:      .quad 0
act_in:    .quad 0
pend_in:   .quad 0
ready:     .quad 0
cpu1_seen: .quad 0
