// Per-CPU generic timers (ARM ARM D11.2): CPU 0 and CPU 1 each run their own virtual timer, CPU 0
// with CNTV_TVAL_EL0 (3 ticks) and CPU 1 with absolute CNTV_CVAL_EL0 deadlines (5 ticks); each
// PPI 27 arrives only at its own CPU's redistributor. The system counter is shared: a CNTVCT_EL0
// value CPU 1 publishes is never ahead of what CPU 0 reads afterwards.
CPU_ON = 0xc4000003

main:
    PRINT   "timer2\n"
    bl      gic_dist_init
    bl      gic_cpu_init
    mov     x1, x0
    mov     w0, #27
    bl      gic_enable_ppi
    ldr     x0, =CPU_ON
    mov     x1, #1
    adr     x2, secondary_start
    mov     x3, #0
    hvc     #0
    mov     x0, #2000
    msr     cntv_tval_el0, x0
    mov     x0, #1
    msr     cntv_ctl_el0, x0
    isb
    WAIT_GE cnt0, 3
1:  wfe
    ldr     x0, done1
    cbz     x0, 1b
    mrs     x1, cntvct_el0
    ldr     x2, vct1
    cmp     x1, x2
    cset    x0, hs
    CHECK   "counter shared", x0, 1
    ldr     x0, cnt0
    CHECK   "cpu 0 ticks", x0, 3
    ldr     x0, cnt1
    CHECK   "cpu 1 ticks", x0, 5
    ldr     x0, other
    CHECK   "only ppi 27", x0, 0
    PRINT   "done\n"
    b       poweroff

secondary_main:
    bl      gic_cpu_init
    mov     x1, x0
    mov     w0, #27
    bl      gic_enable_ppi
    mrs     x0, cntvct_el0
    add     x0, x0, #3000
    msr     cntv_cval_el0, x0
    mov     x0, #1
    msr     cntv_ctl_el0, x0
    isb
    WAIT_GE cnt1, 5
    mrs     x0, cntvct_el0
    STV     x0, vct1
    dmb     ish
    mov     x0, #1
    STV     x0, done1
    sev
1:  wfi
    b       1b

on_irq:
    mrs     x1, ICC_IAR1_EL1
    cmp     x1, #27
    b.eq    1f
    sub     x2, x1, #1020
    cmp     x2, #4
    b.lo    9f
    adr     x2, other
    ldr     x3, [x2]
    add     x3, x3, #1
    str     x3, [x2]
    b       8f
1:  mrs     x2, mpidr_el1
    tst     x2, #0xff
    b.ne    2f
    ldr     x3, cnt0                        // CPU 0: relative re-arm
    add     x3, x3, #1
    STV     x3, cnt0
    mov     x4, #2000
    msr     cntv_tval_el0, x4
    cmp     x3, #3
    b.lo    8f
    msr     cntv_ctl_el0, xzr
    b       8f
2:  ldr     x3, cnt1                        // CPU 1: next absolute deadline
    add     x3, x3, #1
    STV     x3, cnt1
    mrs     x4, cntv_cval_el0
    add     x4, x4, #3000
    msr     cntv_cval_el0, x4
    cmp     x3, #5
    b.lo    8f
    msr     cntv_ctl_el0, xzr
8:  isb
    msr     ICC_EOIR1_EL1, x1
9:  ret

    .balign 8
cnt0:   .quad 0
cnt1:   .quad 0
other:  .quad 0
done1:  .quad 0
vct1:   .quad 0
