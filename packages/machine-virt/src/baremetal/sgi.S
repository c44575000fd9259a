// SGIs between two CPUs (GICv3 ICC_SGI1R_EL1, IHI 0069 12.11.25) with CPU 1 started by PSCI
// CPU_ON (DEN0022 5.6): CPU 0 sends SGI 5 to CPU 1, CPU 1 acknowledges it and answers with SGI 6
// to CPU 0; AFFINITY_INFO says ON while CPU 1 runs and OFF after its CPU_OFF.
PSCI_CPU_ON = 0xc4000003
PSCI_AFFINITY_INFO = 0xc4000004
PSCI_CPU_OFF = 0x84000002

main:
    PRINT   "sgi\n"
    bl      gic_dist_init
    bl      gic_cpu_init
    mov     x1, x0
    mov     w0, #6
    bl      gic_enable_ppi
    ldr     x0, =PSCI_AFFINITY_INFO
    mov     x1, #1
    mov     x2, #0
    hvc     #0
    CHECK   "affinity before", x0, 1       // OFF
    ldr     x0, =PSCI_CPU_ON
    mov     x1, #1                          // target: Aff0 = 1
    adr     x2, secondary_start
    mov     x3, #0x77                       // context id
    hvc     #0
    CHECK   "cpu_on", x0, 0                 // SUCCESS
    // A second CPU_ON of the same target must not succeed again (DEN0022 5.6.2). Left out of the
    // QEMU cross-check: QEMU powers the target on asynchronously and may answer SUCCESS twice.
    .if     CHECK_CPU_ON_AGAIN
    ldr     x0, =PSCI_CPU_ON
    mov     x1, #1
    adr     x2, secondary_start
    mov     x3, #0x77
    hvc     #0
    mov     x19, x0                         // ALREADY_ON (-4) or ON_PENDING (-5)
    cmn     x19, #4
    ccmn    x19, #5, #4, ne
    cset    x0, eq
    CHECK   "cpu_on again refused", x0, 1
    .endif
1:  wfe                                     // wait for CPU 1 to be ready
    ldr     x0, sec_ready
    cbz     x0, 1b
    ldr     x0, =PSCI_AFFINITY_INFO
    mov     x1, #1
    mov     x2, #0
    hvc     #0
    CHECK   "affinity on", x0, 0
    ldr     x0, sec_ctx
    CHECK   "context id", x0, 0x77
    ldr     x0, sec_aff
    CHECK   "cpu1 mpidr aff0", x0, 1
    mov     x0, #(5 << 24)                  // INTID 5, Aff3.2.1 = 0, TargetList = {1}
    orr     x0, x0, #2
    msr     ICC_SGI1R_EL1, x0
    isb
    WAIT_GE got6, 1
    ldr     x0, sec_intid
    CHECK   "cpu1 got sgi", x0, 5
    ldr     x0, got6
    CHECK   "cpu0 got sgi", x0, 6
3:  ldr     x0, =PSCI_AFFINITY_INFO         // CPU 1 powers itself off after answering
    mov     x1, #1
    mov     x2, #0
    hvc     #0
    cmp     x0, #1
    b.ne    3b
    CHECK   "affinity off", x0, 1
    PRINT   "done\n"
    b       poweroff

secondary_main:
    STV     x0, sec_ctx
    mrs     x0, mpidr_el1
    and     x0, x0, #0xff
    STV     x0, sec_aff
    bl      gic_cpu_init
    mov     x1, x0
    mov     w0, #5
    bl      gic_enable_ppi
    mov     x0, #1
    STV     x0, sec_ready
    sev
    WAIT_GE sec_intid, 1
    mov     x0, #(6 << 24)                  // SGI 6 to CPU 0
    orr     x0, x0, #1
    msr     ICC_SGI1R_EL1, x0
    isb
    ldr     x0, =PSCI_CPU_OFF
    hvc     #0
2:  b       2b                              // CPU_OFF does not return

on_irq:
    mrs     x1, ICC_IAR1_EL1
    mrs     x2, mpidr_el1
    tst     x2, #0xff
    b.ne    1f
    STV     x1, got6
    b       9f
1:  STV     x1, sec_intid
9:  msr     ICC_EOIR1_EL1, x1
    ret

    .balign 8
sec_ready: .quad 0
sec_ctx:   .quad 0
sec_aff:   .quad 0
sec_intid: .quad 0
got6:      .quad 0
