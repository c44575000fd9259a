// GICv3 priorities (IHI 0069 4.8): SGIs to self with priorities 1: 0x80, 2: 0x40, 3: 0xc0, 4: 0xa0.
// While SGI 1 is active (running priority 0x80) with IRQs unmasked, SGI 2 (0x40, higher) preempts
// it and SGI 3 (0xc0, lower) must wait until both have been EOIed; with ICC_PMR_EL1 = 0x80, SGI 4
// (0xa0) stays pending (ICC_HPPIR1_EL1 shows it) until the PMR is opened again.
// The handler logs "<n" on entry and ">n" on exit; nested handlers save ELR_EL1/SPSR_EL1.
main:
    PRINT   "priority\n"
    bl      gic_dist_init
    bl      gic_cpu_init
    mov     x20, x0                         // SGI_base
    mov     w0, #0x1e                       // enable SGIs 1-4
    str     w0, [x20, #0x100]
    add     x1, x20, #0x400                 // GICR_IPRIORITYR
    mov     w0, #0x80
    strb    w0, [x1, #1]
    mov     w0, #0x40
    strb    w0, [x1, #2]
    mov     w0, #0xc0
    strb    w0, [x1, #3]
    mov     w0, #0xa0
    strb    w0, [x1, #4]
    msr     ICC_BPR1_EL1, xzr               // smallest binary point: every priority bit counts
    isb
    ldr     x0, =(1 << 24) | 1             // SGI 1 to self (Aff0 0)
    msr     ICC_SGI1R_EL1, x0
    isb
    WAIT_GE done3, 1
    PRINT   "\n"

    mov     x0, #0x80
    msr     ICC_PMR_EL1, x0
    ldr     x0, =(4 << 24) | 1             // SGI 4 (priority 0xa0) is masked by PMR 0x80
    msr     ICC_SGI1R_EL1, x0
    isb
    msr     daifclr, #2
    mov     x1, #1000
1:  subs    x1, x1, #1                      // give it every chance to be (wrongly) taken
    b.ne    1b
    msr     daifset, #2
    ldr     x0, done4
    CHECK   "pmr masks sgi 4", x0, 0
    mrs     x0, ICC_HPPIR1_EL1
    CHECK   "hppir shows sgi 4", x0, 4
    mov     x0, #0xff
    msr     ICC_PMR_EL1, x0
    isb
    WAIT_GE done4, 1
    PRINT   "\n"
    ldr     x0, rpr1
    CHECK   "rpr in sgi 1", x0, 0x80
    ldr     x0, rpr2
    CHECK   "rpr in sgi 2", x0, 0x40
    ldr     x0, hppir2
    CHECK   "sgi 3 pending during sgi 2", x0, 3
    PRINT   "done\n"
    b       poweroff

on_irq:
    mov     x21, x30
    mrs     x22, ICC_IAR1_EL1
    mov     w0, #'<'
    bl      putc
    add     w0, w22, #'0'
    bl      putc
    mrs     x0, ICC_RPR_EL1
    cmp     x22, #1
    b.ne    1f
    STV     x0, rpr1
    ldr     x0, =(2 << 24) | 1             // SGI 2 preempts us
    bl      nested
    b       8f
1:  cmp     x22, #2
    b.ne    2f
    STV     x0, rpr2
    ldr     x0, =(3 << 24) | 1             // SGI 3 must not preempt us
    bl      nested
    mrs     x0, ICC_HPPIR1_EL1
    STV     x0, hppir2
    b       8f
2:  cmp     x22, #3
    b.ne    3f
    mov     x0, #1
    STV     x0, done3
    b       8f
3:  cmp     x22, #4
    b.ne    8f
    mov     x0, #1
    STV     x0, done4
8:  mov     w0, #'>'
    bl      putc
    add     w0, w22, #'0'
    bl      putc
    msr     ICC_EOIR1_EL1, x22
    mov     x30, x21
    ret

// nested: send the SGI in x0 to self and run with IRQs unmasked for a while (ELR/SPSR saved).
nested:
    mrs     x1, elr_el1
    mrs     x2, spsr_el1
    stp     x1, x2, [sp, #-16]!
    msr     ICC_SGI1R_EL1, x0
    isb
    msr     daifclr, #2
    mov     x1, #1000
1:  subs    x1, x1, #1
    b.ne    1b
    msr     daifset, #2
    ldp     x1, x2, [sp], #16
    msr     elr_el1, x1
    msr     spsr_el1, x2
    ret

    .balign 8
done3:  .quad 0
done4:  .quad 0
rpr1:   .quad 0
rpr2:   .quad 0
hppir2: .quad 0
