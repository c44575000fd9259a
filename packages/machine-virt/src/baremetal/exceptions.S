// Synchronous exceptions to EL1 (ARM ARM D1.10, ESR_EL1 encodings from D19.2.36):
// SVC, BRK, an UNDEFINED instruction and data aborts on an address nothing decodes.
// Expected syndromes, worked out from the ARM ARM:
//   SVC #0x42   EC 0x15, IL 1, ISS imm16            -> 0x56000042, ELR = next instruction
//   BRK #0x123  EC 0x3c, IL 1, ISS comment          -> 0xf2000123, ELR = the BRK
//   UDF #0      EC 0x00, IL 1                       -> 0x02000000, ELR = the UDF
//   LDR unmapped EC 0x25 (same EL), IL 1, ISV 0 (always 0 in ESR_EL1), WnR 0, DFSC 0x10
//               (synchronous external abort)        -> 0x96000010, FAR = the address
//   STR unmapped as above with WnR 1                -> 0x96000050
// ESR.EA (bit 9) is an IMPLEMENTATION DEFINED external-abort classification: masked out.
// The handler skips the faulting instruction for everything but SVC.

main:
    mov     x19, x30
    PRINT   "exceptions\n"
    mov     x0, #0
    cmp     x0, #0                          // NZCV = 0b0110: SPSR_EL1 must keep it
svc_insn:
    svc     #0x42
    bl      load_rec
    CHECK   "svc esr", x20, 0x56000042
    CHECK   "svc elr", x21, svc_insn + 4
    CHECK   "svc spsr", x23, 0x600003c5      // Z C, DAIF masked, EL1h
brk_insn:
    brk     #0x123
    bl      load_rec
    CHECK   "brk esr", x20, 0xf2000123
    CHECK   "brk elr", x21, brk_insn
udf_insn:
    .inst   0x00000000                      // UDF #0
    bl      load_rec
    CHECK   "udf esr", x20, 0x02000000
    CHECK   "udf elr", x21, udf_insn
    ldr     x24, =UNMAPPED
    mov     x25, #0x1234
ldr_insn:
    ldr     x25, [x24]
    bl      load_rec
    CHECK   "ldr esr", x20, 0x96000010
    CHECK   "ldr elr", x21, ldr_insn
    CHECK   "ldr far", x22, UNMAPPED
    CHECK   "ldr dest unchanged", x25, 0x1234
    add     x24, x24, #0x48
str_insn:
    str     w25, [x24]
    bl      load_rec
    CHECK   "str esr", x20, 0x96000050
    CHECK   "str elr", x21, str_insn
    CHECK   "str far", x22, UNMAPPED + 0x48

    // EL0: ERET to EL0t (SPSR_EL1 = 0x3c0) and take exceptions from there through the lower-EL
    // vectors (VBAR_EL1 + 0x400): SVC (EC 0x15), an EL1 register read (UNDEFINED at EL0, EC 0x00),
    // an external abort (EC 0x24, from a lower EL); SVC #8 comes back to EL1 at el1_resume.
    ERET_EL0 el0_code
el0_code:
el0_svc:
    svc     #7
el0_mrs:
    mrs     x0, sctlr_el1
el0_ldr:
    ldr     x0, [x24]
    svc     #8
el1_resume:
    adr     x26, el0rec
    ldp     x20, x21, [x26]
    ldr     x22, [x26, #24]
    CHECK   "el0 svc esr", x20, 0x56000007
    CHECK   "el0 svc elr", x21, el0_svc + 4
    CHECK   "el0 svc spsr", x22, 0x3c0
    ldp     x20, x21, [x26, #32]
    and     x20, x20, #~0x200
    CHECK   "el0 mrs esr", x20, 0x02000000
    CHECK   "el0 mrs elr", x21, el0_mrs
    ldp     x20, x21, [x26, #64]
    ldr     x22, [x26, #80]
    and     x20, x20, #~0x200
    CHECK   "el0 ldr esr", x20, 0x92000010
    CHECK   "el0 ldr elr", x21, el0_ldr
    CHECK   "el0 ldr far", x22, UNMAPPED + 0x48
    mrs     x0, CurrentEL
    CHECK   "back at el1", x0, 4
    adr     x0, count
    ldr     x1, [x0]
    CHECK   "exceptions taken", x1, 9
    PRINT   "done\n"
    b       poweroff

load_rec:                                   // x20 = ESR & ~EA, x21 = ELR, x22 = FAR, x23 = SPSR
    adr     x0, rec
    LOAD_REC
    ret

on_sync:
    adr     x0, rec
    SYNC_REGS
    STORE_REC
    adr     x0, count
    ldr     x5, [x0]
    add     x5, x5, #1
    str     x5, [x0]
    tst     x4, #0xf                        // from EL0?
    b.ne    2f
    adr     x0, el0rec                      // EL0 exception n (6, 7, ...): esr, elr, far, spsr
    sub     x6, x5, #6
    add     x0, x0, x6, lsl #5
    STORE_REC
    SVC8_TO_EL1                             // else step over (or return after an SVC)
2:  RETURN_PAST                             // past BRK/UDF/faulting access

    .balign 8
rec:    .quad 0, 0, 0, 0
el0rec: .space 4 * 32
count:  .quad 0
