// PMUv3 (ARM ARM D11, registers D19.4): counter count, advertised events, the cycle counter,
// INST_RETIRED, CPU_CYCLES, SW_INCR (PMSWINC), EL filters, PMCR.P/C, overflow with the PMU
// interrupt (PPI 23), CHAIN, and PMUSERENR_EL0 rules for EL0.
// `loop` runs exactly LOOPN instructions (LOOPN / 2 iterations of subs + b.ne); counts are read
// with MRS right before and after `bl loop`, so a delta covers LOOPN + 3 instructions (bl, the
// mov before the loop and ret) for INST_RETIRED, and a cycle counter that counts one cycle per
// instruction (ours; QEMU with -icount shift=0) is within the same bounds.

    .equ    LOOPN, 2000
    .equ    EV_SW_INCR, 0x00
    .equ    EV_INST_RETIRED, 0x08
    .equ    EV_CPU_CYCLES, 0x11
    .equ    EV_CHAIN, 0x1e

    // RANGE name, reg, lo, hi: "name ok" when lo <= reg <= hi
    .macro RANGE name, reg, lo, hi
    ldr     x1, =\lo
    ldr     x2, =\hi
    cmp     \reg, x1
    cset    x3, hs
    cmp     \reg, x2
    cset    x4, ls
    and     x3, x3, x4
    cbz     x3, 9990f
    CHECK   "\name", x3, 1
    b       9991f
9990:
    CHECK   "\name", \reg, \lo                // FAIL: prints the value
9991:
    .endm

    // LOOP_DELTA counter: x22 = how far `counter` moved across one `bl loop` (x20 before, x21 after)
    .macro LOOP_DELTA counter
    mrs     x20, \counter
    bl      loop
    mrs     x21, \counter
    sub     x22, x21, x20
    .endm

main:
    mov     x19, x30
    PRINT   "pmu\n"
    mrs     x0, pmcr_el0
    ubfx    x20, x0, #11, #5
    cmp     x20, #4
    cset    x20, hs
    CHECK   "pmcr.n >= 4", x20, 1
    mrs     x21, pmceid0_el0
    ubfx    x20, x21, #EV_SW_INCR, #1
    CHECK   "pmceid0 sw_incr", x20, 1
    ubfx    x20, x21, #EV_INST_RETIRED, #1
    CHECK   "pmceid0 inst_retired", x20, 1
    ubfx    x20, x21, #EV_CPU_CYCLES, #1
    CHECK   "pmceid0 cpu_cycles", x20, 1

    // Cycle counter: PMCR.C resets it, PMCR.E + PMCNTENSET.C start it, 64-bit, monotonic.
    mov     x0, #(1 << 2) | 1               // C | E
    msr     pmcr_el0, x0
    msr     pmccfiltr_el0, xzr
    mov     x0, #(1 << 31)
    msr     pmcntenset_el0, x0
    isb
    LOOP_DELTA pmccntr_el0
    RANGE   "pmccntr counts loop cycles", x22, LOOPN, LOOPN + 8
    mrs     x23, pmccntr_el0
    cmp     x23, x21
    cset    x23, hi
    CHECK   "pmccntr monotonic", x23, 1
    mov     x0, #(1 << 2) | 1               // C: back to (about) zero
    msr     pmcr_el0, x0
    mrs     x20, pmccntr_el0
    RANGE   "pmcr.c resets pmccntr", x20, 0, 8
    mov     x0, #(1 << 31)
    msr     pmcntenclr_el0, x0

    // INST_RETIRED on counter 0, CPU_CYCLES on counter 1 (through PMSELR/PMXEVTYPER).
    mov     x0, #EV_INST_RETIRED
    msr     pmevtyper0_el0, x0
    mov     x0, #1
    msr     pmselr_el0, x0
    isb
    mov     x0, #EV_CPU_CYCLES
    msr     pmxevtyper_el0, x0
    mrs     x20, pmevtyper1_el0
    CHECK   "pmxevtyper writes pmevtyper1", x20, EV_CPU_CYCLES
    mov     x0, #(1 << 1) | 1               // P: event counters to zero, E
    msr     pmcr_el0, x0
    mov     x0, #3
    msr     pmcntenset_el0, x0
    isb
    mrs     x20, pmevcntr0_el0
    mrs     x24, pmevcntr1_el0
    bl      loop
    mrs     x21, pmevcntr0_el0
    mrs     x25, pmevcntr1_el0
    sub     x22, x21, x20
    RANGE   "inst_retired counts the loop", x22, LOOPN, LOOPN + 8
    sub     x22, x25, x24
    RANGE   "cpu_cycles counts the loop", x22, LOOPN, LOOPN + 8
    mov     x0, #1
    msr     pmselr_el0, x0
    isb
    mrs     x20, pmxevcntr_el0
    mrs     x21, pmevcntr1_el0
    sub     x20, x21, x20
    RANGE   "pmxevcntr reads pmevcntr1", x20, 0, 4
    // P = exclude EL1: nothing counts at EL1. U = exclude EL0: EL1 still counts.
    ldr     x0, =(1 << 31) | EV_INST_RETIRED
    msr     pmevtyper0_el0, x0
    isb
    LOOP_DELTA pmevcntr0_el0
    CHECK   "pmevtyper.p filters el1", x22, 0
    ldr     x0, =(1 << 30) | EV_INST_RETIRED
    msr     pmevtyper0_el0, x0
    isb
    LOOP_DELTA pmevcntr0_el0
    RANGE   "pmevtyper.u keeps el1", x22, LOOPN, LOOPN + 8
    mov     x0, #(1 << 1) | 1               // P resets the event counters
    msr     pmcr_el0, x0
    isb
    mov     x0, #3
    msr     pmcntenclr_el0, x0
    mrs     x20, pmevcntr0_el0
    RANGE   "pmcr.p resets pmevcntr0", x20, 0, 4

    // SW_INCR on counter 2: each PMSWINC_EL0 write of bit 2 adds one.
    mov     x0, #EV_SW_INCR
    msr     pmevtyper2_el0, x0
    msr     pmevcntr2_el0, xzr
    mov     x0, #4
    msr     pmcntenset_el0, x0
    mov     x0, #4
    msr     pmswinc_el0, x0
    msr     pmswinc_el0, x0
    msr     pmswinc_el0, x0
    mov     x0, #1                          // bit 0: counter 0 is disabled, no effect
    msr     pmswinc_el0, x0
    mrs     x20, pmevcntr2_el0
    CHECK   "pmswinc sw_incr", x20, 3
    mov     x0, #4
    msr     pmcntenclr_el0, x0

    // Overflow: counter 0 (INST_RETIRED) from 0xffffff00 wraps, sets PMOVSSET[0] and, with
    // PMINTENSET[0], raises the PMU interrupt (PPI 23).
    bl      gic_dist_init
    bl      gic_cpu_init
    mov     x1, x0
    mov     w0, #23
    bl      gic_enable_ppi
    mov     x0, #EV_INST_RETIRED
    msr     pmevtyper0_el0, x0
    ldr     x0, =0xffffff00
    msr     pmevcntr0_el0, x0
    mov     x0, #-1
    msr     pmovsclr_el0, x0
    mov     x0, #1
    msr     pmintenset_el1, x0
    msr     pmcntenset_el0, x0
    isb
    msr     daifclr, #2
    isb
    bl      loop
    msr     daifset, #2
    ldr     x20, irq_intid
    CHECK   "overflow irq intid", x20, 23
    ldr     x20, irq_ovs
    CHECK   "overflow pmovsset", x20, 1
    mrs     x20, pmovsset_el0
    CHECK   "pmovsclr clears", x20, 0
    mrs     x20, pmevcntr0_el0
    mov     w20, w20                        // bits 31:0 (PMUv3p5 counters are 64-bit, LP = 0)
    RANGE   "counter wrapped", x20, 1, 2 * LOOPN
    mov     x0, #1
    msr     pmintenclr_el1, x0
    msr     pmcntenclr_el0, x0

    // CHAIN: counter 1 counts the overflows of counter 0 (PMCEID0 bit 30 advertises it).
    mrs     x0, pmceid0_el0
    tbz     x0, #EV_CHAIN, 1f
    mov     x0, #EV_INST_RETIRED
    msr     pmevtyper0_el0, x0
    mov     x0, #EV_CHAIN
    msr     pmevtyper1_el0, x0
    ldr     x0, =0xfffffff0
    msr     pmevcntr0_el0, x0
    msr     pmevcntr1_el0, xzr
    mov     x0, #-1
    msr     pmovsclr_el0, x0
    mov     x0, #3
    msr     pmcntenset_el0, x0
    isb
    bl      loop
    mrs     x20, pmevcntr1_el0
    CHECK   "chain counts the overflow", x20, 1
    mrs     x20, pmovsset_el0
    CHECK   "chain pmovsset", x20, 1
    mov     x0, #3
    msr     pmcntenclr_el0, x0
1:
    // PMUSERENR_EL0: EL0 reads of PMCCNTR_EL0 trap (EC 0x18) unless EN or CR is set.
    mov     x0, #1
    msr     pmcr_el0, x0
    mov     x0, #(1 << 31)
    msr     pmcntenset_el0, x0
    msr     pmuserenr_el0, xzr
    bl      el0_read_ccnt
    ldr     x20, trap_esr
    CHECK   "el0 pmccntr trap esr", x20, 0x6230e41b
    mov     x0, #4                          // CR
    msr     pmuserenr_el0, x0
    bl      el0_read_ccnt
    ldr     x20, trap_esr
    CHECK   "el0 pmccntr with cr", x20, 0
    PRINT   "done\n"
    b       poweroff

loop:
    mov     x0, #(LOOPN / 2)
1:  subs    x0, x0, #1
    b.ne    1b
    ret

// Run `mrs x0, pmccntr_el0` at EL0 and come back (SVC #9); trap_esr = the ESR of a trap, or 0.
el0_read_ccnt:
    STV     xzr, trap_esr
    adr     x0, 2f
    STV     x0, el1_back
    ERET_EL0 1f
1:  mrs     x0, pmccntr_el0
    svc     #9
2:  ret

on_sync:
    mrs     x1, esr_el1
    lsr     x2, x1, #26
    cmp     x2, #0x15
    b.eq    1f
    and     x1, x1, #~0x200
    STV     x1, trap_esr
    mrs     x2, elr_el1
    add     x2, x2, #4
    msr     elr_el1, x2
    ret
1:  mov     x6, #0x3c5                      // SVC from EL0: back to EL1h at el1_back
    msr     spsr_el1, x6
    ldr     x6, el1_back
    msr     elr_el1, x6
    ret

on_irq:
    mrs     x1, ICC_IAR1_EL1
    STV     x1, irq_intid
    mrs     x2, pmovsset_el0
    STV     x2, irq_ovs
    msr     pmovsclr_el0, x2
    msr     ICC_EOIR1_EL1, x1
    ret

    .balign 8
trap_esr:  .quad 0
el1_back:  .quad 0
irq_intid: .quad 0
irq_ovs:   .quad 0
