// GICv3 + generic timer: wake the redistributor, enable PPIs 27 (CNTV) and 30 (CNTP), arm each
// timer with CNTx_TVAL_EL0 (ARM ARM D11.2.4), sleep in WFI and take three ticks of each: the
// handler acknowledges with ICC_IAR1_EL1, checks the running priority (ICC_RPR_EL1 = the
// interrupt's priority 0x80 while it is active), re-arms and ends with ICC_EOIR1_EL1.
TICKS = 3
PERIOD = 2400                               // counter ticks between interrupts

main:
    mov     x28, x30
    PRINT   "gic timer\n"
    bl      gic_dist_init
    bl      gic_cpu_init
    mov     x20, x0                         // SGI_base
    mov     w0, #27
    mov     x1, x20
    bl      gic_enable_ppi
    mov     w0, #30
    mov     x1, x20
    bl      gic_enable_ppi
    mrs     x0, ICC_IAR1_EL1                // nothing pending yet: spurious
    CHECK   "iar idle", x0, 1023

    // Virtual timer.
    mov     x0, #PERIOD
    msr     cntv_tval_el0, x0
    mov     x0, #1                          // ENABLE, IMASK = 0
    msr     cntv_ctl_el0, x0
    isb
    WAIT_GE vcount, TICKS
    ldr     x0, vcount
    CHECK   "cntv ticks", x0, TICKS
    ldr     x0, vintid
    CHECK   "cntv intid", x0, 27
    ldr     x0, rpr
    CHECK   "rpr in handler", x0, 0x80
    mrs     x0, cntv_ctl_el0
    CHECK   "cntv disabled", x0, 0

    // Physical timer.
    mov     x0, #PERIOD
    msr     cntp_tval_el0, x0
    mov     x0, #1
    msr     cntp_ctl_el0, x0
    isb
    WAIT_GE pcount, TICKS
    ldr     x0, pcount
    CHECK   "cntp ticks", x0, TICKS
    ldr     x0, pintid
    CHECK   "cntp intid", x0, 30
    ldr     x0, other
    CHECK   "no other irq", x0, 0
    mrs     x0, ICC_RPR_EL1                 // idle priority after the last EOI
    CHECK   "rpr idle", x0, 0xff
    mrs     x0, ICC_IAR1_EL1
    CHECK   "iar after", x0, 1023
    PRINT   "done\n"
    b       poweroff

on_irq:
    mrs     x1, ICC_IAR1_EL1
    mrs     x2, ICC_RPR_EL1
    STV     x2, rpr
    cmp     x1, #27
    b.ne    2f
    STV     x1, vintid
    ldr     x3, vcount
    add     x3, x3, #1
    STV     x3, vcount
    cmp     x3, #TICKS
    b.hs    1f
    mov     x4, #PERIOD
    msr     cntv_tval_el0, x4
    b       9f
1:  msr     cntv_ctl_el0, xzr
    b       9f
2:  cmp     x1, #30
    b.ne    4f
    STV     x1, pintid
    ldr     x3, pcount
    add     x3, x3, #1
    STV     x3, pcount
    cmp     x3, #TICKS
    b.hs    3f
    mov     x4, #PERIOD
    msr     cntp_tval_el0, x4
    b       9f
3:  msr     cntp_ctl_el0, xzr
    b       9f
4:  cmp     x1, #1020                       // spurious: nothing to EOI
    b.hs    8f
    ldr     x3, other
    add     x3, x3, #1
    STV     x3, other
9:  isb
    msr     ICC_EOIR1_EL1, x1
8:  ret

    .balign 8
vcount: .quad 0
pcount: .quad 0
vintid: .quad 0
pintid: .quad 0
rpr:    .quad 0
other:  .quad 0
