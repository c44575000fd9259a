// PSCI 1.1 through HVC (DEN0022): PSCI_VERSION, PSCI_FEATURES, MIGRATE_INFO_TYPE; CPU_ON of CPU 1,
// its entry state (EL1h, DAIF masked, MMU off, x0 = context id, DEN0022 6.4.3), CPU_OFF, and
// CPU_ON of the same CPU again with a new context; CPU_SUSPEND (standby) on CPU 0 returns
// SUCCESS once the virtual timer's interrupt is pending, even with PSTATE.I set.
PSCI_VERSION = 0x84000000
CPU_SUSPEND = 0xc4000001
CPU_OFF = 0x84000002
CPU_ON = 0xc4000003
AFFINITY_INFO = 0xc4000004
MIGRATE_INFO_TYPE = 0x84000006
PSCI_FEATURES = 0x8400000a

.macro PSCI fn, a1=0, a2=0, a3=0
    ldr     x0, =\fn
    ldr     x1, =\a1
    ldr     x2, =\a2
    ldr     x3, =\a3
    hvc     #0
.endm

main:
    PRINT   "psci\n"
    PSCI    PSCI_VERSION
    CHECK   "version 1.1", x0, 0x10001
    PSCI    PSCI_FEATURES, CPU_ON
    CHECK   "features cpu_on", x0, 0
    PSCI    PSCI_FEATURES, AFFINITY_INFO
    CHECK   "features affinity_info", x0, 0
    PSCI    PSCI_FEATURES, 0x8400001f
    CHECK   "features unknown", x0, 0xffffffffffffffff
    PSCI    MIGRATE_INFO_TYPE
    CHECK   "migrate_info_type", x0, 2

    ldr     x0, =CPU_ON
    mov     x1, #1
    adr     x2, raw_entry
    mov     x3, #0x11
    hvc     #0
    CHECK   "cpu_on", x0, 0
    mov     x10, #0x11
    bl      wait_ctx
    bl      wait_off
    ldr     x0, sec_ctx
    CHECK   "first context", x0, 0x11
    ldr     x0, sec_el
    CHECK   "entry el1", x0, 4
    ldr     x0, sec_daif
    CHECK   "entry daif masked", x0, 0x3c0
    ldr     x0, sec_sctlr_m
    CHECK   "entry mmu off", x0, 0
    ldr     x0, =CPU_ON                     // again, after CPU_OFF
    mov     x1, #1
    adr     x2, raw_entry
    mov     x3, #0x22
    hvc     #0
    CHECK   "cpu_on after off", x0, 0
    mov     x10, #0x22
    bl      wait_ctx
    bl      wait_off
    ldr     x0, sec_ctx
    CHECK   "second context", x0, 0x22

    bl      gic_dist_init
    bl      gic_cpu_init
    mov     x1, x0
    mov     w0, #27
    bl      gic_enable_ppi
    mov     x0, #2000
    msr     cntv_tval_el0, x0
    mov     x0, #1
    msr     cntv_ctl_el0, x0
    isb
    PSCI    CPU_SUSPEND, 0                  // standby, IRQs masked: returns when PPI 27 pends
    CHECK   "cpu_suspend", x0, 0
    mrs     x0, cntv_ctl_el0
    ubfx    x0, x0, #2, #1
    CHECK   "timer fired before return", x0, 1
    mrs     x0, ICC_HPPIR1_EL1
    CHECK   "ppi 27 pending", x0, 27
    PRINT   "done\n"
    b       poweroff

wait_ctx:                                   // until CPU 1 has recorded context id x10
    wfe                                     // (lets the board run CPU 1: WFE ends the slice)
    ldr     x0, sec_ctx
    cmp     x0, x10
    b.ne    wait_ctx
    ret

// QEMU powers a CPU on asynchronously (AFFINITY_INFO may still say OFF just after CPU_ON), so
// this runs only once CPU 1 is known to have started.
wait_off:                                   // until AFFINITY_INFO(1) says OFF
    mov     x9, x30
1:  ldr     x0, =AFFINITY_INFO
    mov     x1, #1
    mov     x2, #0
    hvc     #0
    cmp     x0, #1
    b.ne    1b
    mov     x30, x9
    ret

// CPU 1 enters here directly (no prelude start-up) to see the architectural entry state.
    .balign 4
raw_entry:
    mov     x5, x0
    mrs     x0, CurrentEL
    adr     x1, sec_el
    str     x0, [x1]
    mrs     x0, daif
    adr     x1, sec_daif
    str     x0, [x1]
    mrs     x0, sctlr_el1
    and     x0, x0, #1
    adr     x1, sec_sctlr_m
    str     x0, [x1]
    adr     x1, sec_ctx                     // last: the context id says "entry state recorded"
    str     x5, [x1]
    dsb     sy
    ldr     x0, =CPU_OFF
    hvc     #0
1:  b       1b

    .balign 8
sec_ctx:     .quad 0
sec_el:      .quad 0
sec_daif:    .quad 0
sec_sctlr_m: .quad 0
