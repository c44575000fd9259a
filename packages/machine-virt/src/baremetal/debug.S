// Self-hosted debug (ARM ARM D2): hardware breakpoint, watchpoint and software step, with the
// OS lock, MDSCR_EL1.MDE/KDE and PSTATE.D gating them. Expected syndromes (D19.2.40):
//   breakpoint from EL1 (KDE = 1): EC 0x31, IL 1, IFSC 0x22        -> 0xc6000022, ELR = the address
//   watchpoint from EL1, a store:  EC 0x35, IL 1, WnR 1, DFSC 0x22 -> 0xd6000062, FAR in the block
//   software step from EL0:        EC 0x32, IL 1, ISV 1, EX 0, IFSC 0x22 -> 0xcb000022, ELR = next

    .equ    MDSCR_SS, 1 << 0
    .equ    MDSCR_KDE, 1 << 13
    .equ    MDSCR_MDE, 1 << 15

main:
    mov     x19, x30
    PRINT   "debug\n"
    mrs     x21, id_aa64dfr0_el1
    ubfx    x20, x21, #12, #4
    CHECK   "brps 6", x20, 5
    ubfx    x20, x21, #20, #4
    CHECK   "wrps 4", x20, 3
    mrs     x20, oslsr_el1
    and     x20, x20, #2
    CHECK   "os lock set at reset", x20, 2

    // Breakpoint 0 on bp_target, EL0 and EL1 (PMC 11), BAS 1111, enabled.
    adr     x0, bp_target
    msr     dbgbvr0_el1, x0
    ldr     x0, =(0xf << 5) | (3 << 1) | 1
    msr     dbgbcr0_el1, x0
    ldr     x0, =MDSCR_MDE | MDSCR_KDE
    msr     mdscr_el1, x0
    msr     daifclr, #8                     // PSTATE.D = 0
    isb
    bl      bp_target
    ldr     x20, nexc
    CHECK   "os lock blocks the breakpoint", x20, 0
    STV     xzr, nexc                       // count from here (QEMU 7.2 takes that one)
    msr     oslar_el1, xzr                  // unlock
    isb
    bl      bp_target
    ldr     x20, nexc
    CHECK   "breakpoint taken", x20, 1
    ldr     x20, last_esr
    CHECK   "breakpoint esr", x20, 0xc6000022
    ldr     x20, last_elr
    adr     x21, bp_target
    sub     x20, x20, x21
    CHECK   "breakpoint elr", x20, 0
    msr     daifset, #8                     // PSTATE.D = 1 masks debug exceptions at EL1
    isb
    bl      bp_target
    ldr     x20, nexc
    CHECK   "pstate.d masks it", x20, 1
    msr     daifclr, #8
    ldr     x0, =MDSCR_MDE                  // KDE = 0: no debug exceptions from EL1
    msr     mdscr_el1, x0
    isb
    bl      bp_target
    ldr     x20, nexc
    CHECK   "kde 0 masks it", x20, 1
    ldr     x0, =MDSCR_KDE                  // MDE = 0: breakpoints disabled
    msr     mdscr_el1, x0
    isb
    bl      bp_target
    ldr     x20, nexc
    CHECK   "mde 0 disables it", x20, 1
    msr     dbgbcr0_el1, xzr

    // Watchpoint 0 on the doubleword `watched`, stores only (LSC 10), BAS 0xff, EL0 and EL1.
    adr     x24, watched
    msr     dbgwvr0_el1, x24
    ldr     x0, =(0xff << 5) | (2 << 3) | (3 << 1) | 1
    msr     dbgwcr0_el1, x0
    ldr     x0, =MDSCR_MDE | MDSCR_KDE
    msr     mdscr_el1, x0
    isb
    ldr     x0, [x24]                       // a load: no exception (LSC = store)
    ldr     x20, nexc
    CHECK   "load not watched", x20, 1
    mov     w0, #0x55
    str     w0, [x24, #4]
    ldr     x20, nexc
    CHECK   "watchpoint taken", x20, 2
    ldr     x20, last_esr
    CHECK   "watchpoint esr", x20, 0xd6000062
    ldr     x20, last_far
    sub     x20, x20, x24
    cmp     x20, #8
    cset    x20, lo
    CHECK   "watchpoint far in the block", x20, 1
    ldr     w20, [x24, #4]
    CHECK   "store not done", x20, 0
    msr     dbgwcr0_el1, xzr
    isb

    // Software step: MDSCR_EL1.SS and SPSR_EL1.SS, ERET to ten EL0 instructions; one step
    // exception after each (ELR = the next one), then SVC #9 back to EL1.
    ldr     x0, =MDSCR_SS | MDSCR_MDE
    msr     mdscr_el1, x0
    ldr     x0, =(1 << 21) | 0x3c0          // SPSR.SS = 1, EL0t
    msr     spsr_el1, x0
    adr     x0, step_code
    msr     elr_el1, x0
    STV     xzr, nstep
    isb
    eret
step_code:
    .rept   10
    add     x0, x0, #1
    .endr
step_end:
    svc     #9
step_back:
    msr     mdscr_el1, xzr
    isb
    ldr     x20, nstep
    CHECK   "ten steps", x20, 10
    ldr     x20, last_step_esr
    CHECK   "step esr", x20, 0xcb000022
    ldr     x20, last_step_elr
    adr     x21, step_end
    sub     x20, x20, x21
    CHECK   "last step elr", x20, 0
    ldr     x20, first_step_elr
    adr     x21, step_code + 4
    sub     x20, x20, x21
    CHECK   "first step elr", x20, 0
    PRINT   "done\n"
    b       poweroff

bp_target:
    nop
    ret

on_sync:
    mrs     x1, esr_el1
    and     x1, x1, #~0x200
    mrs     x2, elr_el1
    lsr     x3, x1, #26
    cmp     x3, #0x32                       // software step from EL0
    b.eq    2f
    cmp     x3, #0x15
    b.eq    3f
    STV     x1, last_esr
    STV     x2, last_elr
    mrs     x4, far_el1
    STV     x4, last_far
    ldr     x4, nexc
    add     x4, x4, #1
    STV     x4, nexc
    add     x2, x2, #4                      // skip the instruction (nop / the watched store)
    msr     elr_el1, x2
    ret
2:  STV     x1, last_step_esr
    STV     x2, last_step_elr
    ldr     x4, nstep
    cbnz    x4, 1f
    STV     x2, first_step_elr
1:  add     x4, x4, #1
    STV     x4, nstep
    mrs     x5, spsr_el1
    orr     x5, x5, #(1 << 21)              // step the next instruction too
    msr     spsr_el1, x5
    ret
3:  mov     x6, #0x3c5                      // SVC #9 from EL0: back to EL1h
    msr     spsr_el1, x6
    adr     x6, step_back
    msr     elr_el1, x6
    ret

    .balign 8
watched:        .quad 0
nexc:           .quad 0
nstep:          .quad 0
last_esr:       .quad 0
last_elr:       .quad 0
last_far:       .quad 0
last_step_esr:  .quad 0
last_step_elr:  .quad 0
first_step_elr: .quad 0
