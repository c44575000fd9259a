// Four CPUs: PSCI CPU_ON for CPUs 1-3, then SGI routing through ICC_SGI1R_EL1 (IHI 0069 12.11.25):
// IRM = 1 broadcasts SGI 9 to every PE but the sender; TargetList {2} and then {1, 3} send SGI 10
// to exactly those. Each handler sets bit (1 << Aff0) in a shared mask with LDXR/STXR.
PSCI_CPU_ON = 0xc4000003

main:
    PRINT   "smp4\n"
    bl      gic_dist_init
    bl      gic_cpu_init
    mov     x1, x0
    mov     w0, #9
    bl      gic_enable_ppi
    mov     x19, #1
1:  ldr     x0, =PSCI_CPU_ON
    mov     x1, x19
    adr     x2, secondary_start
    mov     x3, x19
    hvc     #0
    cbnz    x0, 9f
    add     x19, x19, #1
    cmp     x19, #4
    b.lo    1b
2:  wfe
    ldr     x0, ready
    cmp     x0, #3
    b.lo    2b
    CHECK   "three cpus up", x0, 3

    msr     daifclr, #2                     // CPU 0 listens too: IRM must leave it out
    ldr     x0, =(9 << 24) | (1 << 40)      // SGI 9, IRM = 1: all but self
    msr     ICC_SGI1R_EL1, x0
    isb
3:  wfe
    ldr     x0, mask9
    cmp     x0, #0xe
    b.ne    3b
    mov     x1, #2000
4:  subs    x1, x1, #1
    b.ne    4b
    ldr     x0, mask9
    CHECK   "broadcast reached 1-3 only", x0, 0xe

    ldr     x0, =(10 << 24) | 4             // SGI 10 to Aff0 2
    msr     ICC_SGI1R_EL1, x0
    isb
5:  wfe
    ldr     x0, mask10
    cbz     x0, 5b
    mov     x1, #2000
6:  subs    x1, x1, #1
    b.ne    6b
    ldr     x0, mask10
    CHECK   "target list {2}", x0, 0x4
    ldr     x0, =(10 << 24) | 0xa           // SGI 10 to Aff0 1 and 3
    msr     ICC_SGI1R_EL1, x0
    isb
7:  wfe
    ldr     x0, mask10
    cmp     x0, #0xe
    b.ne    7b
    CHECK   "target list {1,3}", x0, 0xe
    msr     daifset, #2
    PRINT   "done\n"
    b       poweroff
9:  PRINT   "cpu_on failed\n"
    b       poweroff

secondary_main:
    bl      gic_cpu_init
    mov     x20, x0
    mov     w0, #9
    mov     x1, x20
    bl      gic_enable_ppi
    mov     w0, #10
    mov     x1, x20
    bl      gic_enable_ppi
    adr     x4, ready
1:  ldxr    x5, [x4]
    add     x5, x5, #1
    stxr    w6, x5, [x4]
    cbnz    w6, 1b
    sev
2:  msr     daifclr, #2
    wfi
    b       2b

on_irq:
    mrs     x1, ICC_IAR1_EL1
    mrs     x2, mpidr_el1
    and     x2, x2, #0xff
    mov     x3, #1
    lsl     x3, x3, x2
    adr     x4, mask9
    cmp     x1, #9
    b.eq    1f
    adr     x4, mask10
    cmp     x1, #10
    b.ne    2f
1:  ldxr    x5, [x4]
    orr     x5, x5, x3
    stxr    w6, x5, [x4]
    cbnz    w6, 1b
    sev
2:  msr     ICC_EOIR1_EL1, x1
    ret

    .balign 8
ready:  .quad 0
mask9:  .quad 0
mask10: .quad 0
