// UNDEFINED and unallocated encodings, system registers that do not exist, SVC and instruction
// aborts, from EL1 and from EL0 (ARM ARM D1.10 and D19.2.40 ESR_EL1). Expected values, from the
// ARM ARM:
//   UNDEFINED / unallocated: EC 0x00, IL 1, ISS 0 -> ESR 0x02000000; ELR = the instruction;
//     SPSR = PSTATE before; vector: current EL with SPx (+0x200) from EL1, lower EL AArch64
//     (+0x400) from EL0.
//   SVC #imm: EC 0x15 -> 0x56000000 | imm; ELR = the next instruction.
//   Instruction fetch from an address nothing decodes: synchronous External abort, EC 0x21 from
//     EL1 / 0x20 from EL0, IFSC 0x10 -> 0x86000010 / 0x82000010; ELR = FAR = the address.
// The handler records ESR, ELR, FAR, SPSR (prelude's STORE_REC) and the vector,
// then returns to `resume_at` when set, after the instruction otherwise (not for SVC).

    .macro TRAP name, esr, kind, spsr
    bl      load_rec
    CHECK   "\name esr", x20, \esr
    sub     x0, x21, x24
    CHECK   "\name elr", x0, 0
    CHECK   "\name vector", x22, \kind
    CHECK   "\name spsr", x23, \spsr
    .endm

main:
    mov     x19, x30
    PRINT   "undef\n"
    cmp     x0, x0                          // NZCV = 0b0110: SPSR_EL1 keeps it
    adr     x24, 1f
1:  mrs     x0, sctlr_el3                   // EL3 register, no EL3: UNDEFINED
    TRAP    "el1 mrs sctlr_el3", 0x02000000, 4, 0x600003c5
    cmp     x0, x0
    adr     x24, 1f
1:  msr     sctlr_el3, x0
    TRAP    "el1 msr sctlr_el3", 0x02000000, 4, 0x600003c5
    cmp     x0, x0
    adr     x24, 1f
1:  mrs     x0, S3_6_C15_C15_7              // unallocated system register encoding
    TRAP    "el1 mrs s3_6_c15_c15_7", 0x02000000, 4, 0x600003c5
    cmp     x0, x0
    adr     x24, 1f
1:  .inst   0xd4200001                      // exception generation, opc 001 LL 01: unallocated
    TRAP    "el1 unallocated d4200001", 0x02000000, 4, 0x600003c5
    cmp     x0, x0
    adr     x24, 1f
1:  .inst   0x9ac07c00                      // data processing (2 source), opcode 011111: unallocated
    TRAP    "el1 unallocated 9ac07c00", 0x02000000, 4, 0x600003c5
    cmp     x0, x0
    adr     x24, 1f
1:  svc     #0x33
    add     x24, x24, #4
    TRAP    "el1 svc", 0x56000033, 4, 0x600003c5
    // Branch to an address past RAM: instruction abort, ELR = FAR = the target.
    ldr     x24, =NOWHERE
    adr     x0, 2f
    STV     x0, resume_at
    cmp     x0, x0
    ret     x24                             // RET, not BR: leaves PSTATE.BTYPE 0 on BTI CPUs
2:  TRAP    "el1 iabt", 0x86000010, 4, 0x600003c5
    ldr     x0, rec + 16
    CHECK   "el1 iabt far", x0, NOWHERE

    // EL0 (SPSR 0x3c0 = EL0t, DAIF masked): the same through the lower-EL vectors.
    ERET_EL0 el0_code
el0_code:
    cmp     x0, x0
    adr     x24, 1f
1:  mrs     x0, sctlr_el3
    cmp     x0, x0
    adr     x25, 1f
1:  .inst   0xd4200001
    cmp     x0, x0
    adr     x26, 1f
1:  mrs     x0, sctlr_el1                   // EL1 register: UNDEFINED at EL0
    cmp     x0, x0
    adr     x27, 1f
1:  svc     #0x44
    ldr     x28, =NOWHERE
    adr     x0, 2f
    STV     x0, resume_at
    ret     x28
2:  svc     #8                              // back to EL1 at el1_resume
el1_resume:
    adr     x23, el0rec                     // 64-byte records: esr, elr, far, spsr, vector
    ldp     x20, x21, [x23]
    ldr     x22, [x23, #24]
    ldr     x28, [x23, #32]
    and     x20, x20, #~0x200
    CHECK   "el0 mrs sctlr_el3 esr", x20, 0x02000000
    sub     x21, x21, x24
    CHECK   "el0 mrs sctlr_el3 elr", x21, 0
    CHECK   "el0 mrs sctlr_el3 spsr", x22, 0x600003c0
    CHECK   "el0 mrs sctlr_el3 vector", x28, 8
    ldp     x20, x21, [x23, #64]
    and     x20, x20, #~0x200
    CHECK   "el0 unallocated esr", x20, 0x02000000
    sub     x21, x21, x25
    CHECK   "el0 unallocated elr", x21, 0
    ldp     x20, x21, [x23, #128]
    and     x20, x20, #~0x200
    CHECK   "el0 mrs sctlr_el1 esr", x20, 0x02000000
    sub     x21, x21, x26
    CHECK   "el0 mrs sctlr_el1 elr", x21, 0
    ldp     x20, x21, [x23, #192]
    CHECK   "el0 svc esr", x20, 0x56000044
    sub     x21, x21, x27
    CHECK   "el0 svc elr", x21, 4
    ldp     x20, x21, [x23, #256]
    ldr     x22, [x23, #272]
    ldr     x28, [x23, #288]
    and     x20, x20, #~0x200
    CHECK   "el0 iabt esr", x20, 0x82000010
    CHECK   "el0 iabt elr", x21, NOWHERE
    CHECK   "el0 iabt far", x22, NOWHERE
    CHECK   "el0 iabt vector", x28, 8
    mrs     x0, CurrentEL
    CHECK   "back at el1", x0, 4
    PRINT   "done\n"
    b       poweroff

load_rec:                                   // x20 = ESR & ~EA, x21 = ELR, x22 = vector, x23 = SPSR
    adr     x0, rec
    LOAD_REC
    ldr     x22, [x0, #32]
    ret

on_sync:                                    // x0 = vector (4: EL1 SPx, 8: EL0 AArch64)
    mov     x9, x0
    adr     x0, rec
    SYNC_REGS
    STORE_REC
    str     x9, [x0, #32]
    cmp     x9, #8
    b.ne    1f
    adr     x0, el0n                        // EL0: append esr, elr, far, vector to el0rec
    ldr     x5, [x0]
    add     x6, x5, #1
    str     x6, [x0]
    adr     x0, el0rec
    add     x0, x0, x5, lsl #6
    STORE_REC
    str     x9, [x0, #32]
    SVC8_TO_EL1
1:  adr     x0, resume_at
    ldr     x5, [x0]
    cbz     x5, 2f
    str     xzr, [x0]
    msr     elr_el1, x5
    ret
2:  RETURN_PAST                             // past the UNDEFINED instruction

    .balign 8
rec:       .quad 0, 0, 0, 0, 0              // STORE_REC's four, then the vector
resume_at: .quad 0
el0n:      .quad 0
el0rec:    .space 8 * 64
