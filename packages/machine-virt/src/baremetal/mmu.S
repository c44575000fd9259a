// Stage 1 translation at EL1 (ARM ARM D8, 4 KiB granule, T0SZ = 25: level 1 holds 1 GiB blocks):
// GiB 0 identity as Device-nGnRnE (the devices), GiB 1 identity as Normal WB (RAM and code),
// GiB 2 an alias of GiB 1, GiB 3 invalid. With the MMU on:
//   - a load from GiB 3 takes a level-1 translation fault: ESR 0x96000005, FAR = the VA;
//   - a load through the alias from a physical address nothing decodes takes a synchronous
//     external abort: ESR 0x96000010 and FAR = the virtual address used (not the physical one);
//   - RAM written through the identity map reads back through the alias.
TT = RAM + 0x100000                          // level-1 table (4 KiB aligned)

main:
    PRINT   "mmu\n"
    ldr     x0, =TT
    ldr     x1, =0x0000000000000401 | (0 << 2) | (3 << 8)   // GiB 0: block, AF, Device (attr 0)
    str     x1, [x0]
    ldr     x1, =0x40000000 | 0x401 | (1 << 2) | (3 << 8)   // GiB 1: Normal (attr 1), inner shareable
    str     x1, [x0, #8]
    str     x1, [x0, #16]                                   // GiB 2: alias of GiB 1
    str     xzr, [x0, #24]                                  // GiB 3: invalid
    dsb     sy
    ldr     x1, =0xff00                     // MAIR_EL1: attr0 Device-nGnRnE, attr1 Normal WB
    msr     mair_el1, x1
    ldr     x1, =25 | (1 << 8) | (1 << 10) | (3 << 12) | (1 << 23) | (2 << 32)  // T0SZ, WB, ISH, EPD1, IPS 40 bits
    msr     tcr_el1, x1
    msr     ttbr0_el1, x0
    isb
    tlbi    vmalle1
    dsb     sy
    mrs     x1, sctlr_el1
    orr     x1, x1, #1                      // M
    orr     x1, x1, #(1 << 2)               // C
    orr     x1, x1, #(1 << 12)              // I
    msr     sctlr_el1, x1
    isb
    PRINT   "mmu on\n"

    ldr     x20, =RAM + 0x40000000 + 0x103000    // the same RAM through GiB 2
    ldr     x1, =RAM + 0x103000
    ldr     x2, =0x1122334455667788
    str     x2, [x1]                        // through the identity map
    dsb     sy
    ldr     x0, [x20]                       // through the alias (VA = PA + 1 GiB)
    CHECK   "alias reads ram", x0, 0x1122334455667788

    ldr     x21, =0xc0000040
xlat_insn:
    ldr     x0, [x21]
    bl      load_rec
    CHECK   "translation fault esr", x22, 0x96000005
    CHECK   "translation fault far", x24, 0xc0000040
    CHECK   "translation fault elr", x23, xlat_insn

    ldr     x21, =UNMAPPED + 0x40000000     // VA of UNMAPPED through the alias
ext_insn:
    ldr     x0, [x21]
    bl      load_rec
    CHECK   "external abort esr", x22, 0x96000010
    CHECK   "external abort far is the va", x24, UNMAPPED + 0x40000000
    PRINT   "done\n"
    b       poweroff

load_rec:
    adr     x0, rec
    ldp     x22, x23, [x0]
    ldr     x24, [x0, #16]
    and     x22, x22, #~0x200               // ESR.EA: IMPLEMENTATION DEFINED
    ret

on_sync:
    adr     x0, rec
    SYNC_REGS
    stp     x1, x2, [x0]
    str     x3, [x0, #16]
    add     x2, x2, #4
    msr     elr_el1, x2
    ret

    .balign 8
rec:    .quad 0, 0, 0
