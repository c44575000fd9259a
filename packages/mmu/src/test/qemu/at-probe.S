// Bare-metal probe for qemu-system-aarch64 (virt, virtualization=on, boots at EL2): for each
// configuration in the control block at 0x40100000 it programs the EL1&0 translation registers,
// (and VTCR/VTTBR_EL2, HCR_EL2) runs AT S1E1R/W, S1E0R/W, S12E1R/W, S12E0R/W on a list of VAs and prints each PAR_EL1 in hex on the PL011.
// The first line is ID_AA64MMFR0_EL1. EL2 code itself runs with its MMU off.
    .text
    .global _start
_start:
    ldr x20, =0x40100000
    mrs x0, id_aa64mmfr0_el1
    bl puthex
    ldr x19, [x20], #8          // number of configurations
1:  cbz x19, 9f
    .irp reg, tcr_el1, ttbr0_el1, ttbr1_el1, mair_el1, hcr_el2, sctlr_el1, vtcr_el2, vttbr_el2
    ldr x0, [x20], #8           // the configuration's words, in this order
    msr \reg, x0
    .endr
    isb
    tlbi alle1
    dsb sy
    isb
    ldr x21, [x20], #8          // number of ATs
2:  cbz x21, 8f
    ldp x0, x1, [x20], #16
    adr x2, 30f                 // x1 = the op (0..7, AT_OPS order): entry x1 of the table (8 bytes each)
    add x2, x2, x1, lsl #3
    br x2
30:
    .irp op, s1e1r, s1e1w, s1e0r, s1e0w, s12e1r, s12e1w, s12e0r, s12e0w
    at \op, x0
    b 20f
    .endr
20: isb
    mrs x0, par_el1
    bl puthex
    sub x21, x21, #1
    b 2b
8:  sub x19, x19, #1
    b 1b
9:  mov x0, #0x18
    ldr x1, =0x20026
    hlt #0xf000
    b .

// print x0 as 16 hex digits and a newline on the PL011 at 0x09000000
puthex:
    ldr x9, =0x09000000
    mov x10, #60
3:  lsr x11, x0, x10
    and x11, x11, #0xf
    cmp x11, #10
    add x12, x11, #'0'
    add x13, x11, #('a' - 10)
    csel x11, x12, x13, lt
    strb w11, [x9]
    subs x10, x10, #4
    b.ge 3b
    mov x11, #'\n'
    strb w11, [x9]
    ret
