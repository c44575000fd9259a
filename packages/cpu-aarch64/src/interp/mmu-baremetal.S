// Bare-metal MMU-on test program: built with GNU as/ld for one granule
// (--defsym GBITS=12|14|16), run on our Cpu and under qemu-system-aarch64 -M virt.
//
// At EL1 with the MMU off it builds stage 1 tables (39-bit VA for TTBR0 and TTBR1), maps RAM
// identity (one level-2 block), the PL011 at 0x09000000 as Device (a level-2 block), the image at
// a TTBR1 alias (HIGH_OFF + PA, level-3 pages) and a set of test pages, enables SCTLR_EL1.M, jumps
// to the high alias and takes deliberate faults. Each result is a 64-bit word in `results`,
// printed as 16 hex digits per line on the UART, then a semihosting SYS_EXIT.

        .equ PAGE, (1 << GBITS)
        .equ STRIDE, (GBITS - 3)
        .equ L2SHIFT, (GBITS + STRIDE)
        .equ L1SHIFT, (GBITS + 2 * STRIDE)
        .if L1SHIFT < 39
        .equ START_SHIFT, L1SHIFT
        .else
        .equ START_SHIFT, L2SHIFT
        .endif
        .if GBITS == 12
        .equ TG0, 0
        .equ TG1, 2
        .elseif GBITS == 14
        .equ TG0, 2
        .equ TG1, 1
        .else
        .equ TG0, 1
        .equ TG1, 3
        .endif
        .equ HIGH_OFF, 0xffffff8000000000
        .equ TEST_VA, 0xffffff8060000000
        .equ VA_RO, TEST_VA + 1 * PAGE
        .equ VA_AF0, TEST_VA + 2 * PAGE
        .equ VA_XN, TEST_VA + 3 * PAGE
        .equ VA_X, TEST_VA + 4 * PAGE
        .equ VA_REMAP, TEST_VA + 5 * PAGE
        .equ VA_UNMAPPED_L3, TEST_VA + 6 * PAGE
        .equ VA_UNMAPPED_TOP, HIGH_OFF + 0x4000000000
        .equ UART, 0x09000000
        // Descriptor bits: AF 10, SH inner 9:8, AP 7:6, AttrIndx 4:2, PXN 53, UXN 54.
        .equ D_NORMAL, 0x700
        .equ D_DEVICE, 0x404
        .equ D_RO, 0x80
        .equ D_PXN, (1 << 53)
        .equ D_UXN, (1 << 54)
        .equ NRESULTS, 24

        // results[off] (bytes) = PAR_EL1 after AT <op> of <va>
        // map the granule at PA <pa> (a register) at <va> of the TTBR1 tables (x20), descriptor
        // attributes <attrs>; map leaves the level-3 entry's PA in x6
        .macro map_page va, pa, attrs
        mov x0, x20
        ldr x1, =\va
        ldr x4, =\attrs
        orr x2, \pa, x4
        mov x3, #GBITS
        bl map
        .endm
        .macro at_par op, va, off
        ldr x1, =\va
        at \op, x1
        isb
        mrs x0, par_el1
        str x0, [x26, #\off]
        .endm
        // results[off], results[off + 8] = ESR, FAR of the fault the access <insn> to <va> takes
        // (the sync handler records them in x22, x23 and resumes after the access; x22 stays 0
        // when there is no fault)
        .macro expect_fault insn, va, off
        mov x22, #0
        ldr x1, =\va
        \insn
        stp x22, x23, [x26, #\off]
        .endm

        .text
        .global _start
_start:
        // zero the table pool and the test pages
        ldr x0, =pool
        ldr x1, =pool_end
0:      stp xzr, xzr, [x0], #16
        cmp x0, x1
        b.lo 0b
        ldr x0, =pool
        ldr x1, =pool_next
        str x0, [x1]
        bl alloc_table
        mov x19, x0                             // root of TTBR0
        bl alloc_table
        mov x20, x0                             // root of TTBR1

        // TTBR0: RAM identity (normal, level-2 block), UART (device, level-2 block)
        mov x0, x19
        ldr x1, =0x40000000
        ldr x2, =0x40000000 | D_NORMAL | 1
        mov x3, #L2SHIFT
        bl map
        mov x0, x19
        ldr x1, =(UART & ~((1 << L2SHIFT) - 1))
        ldr x2, =(UART & ~((1 << L2SHIFT) - 1)) | D_DEVICE | D_PXN | D_UXN | 1
        mov x3, #L2SHIFT
        bl map

        // TTBR1: the image (64 KiB from its base) at HIGH_OFF + PA, level-3 pages
        ldr x21, =_start
        mov x22, #0
1:      mov x0, x20
        ldr x1, =HIGH_OFF
        add x1, x1, x21
        add x1, x1, x22
        add x2, x21, x22
        ldr x4, =D_NORMAL | D_UXN | 3
        orr x2, x2, x4
        mov x3, #GBITS
        bl map
        add x22, x22, #(PAGE >> 12), lsl #12
        cmp x22, #0x10, lsl #12
        b.lo 1b

        // test pages: tp0 = testpages, tp1 = +64K, tp2 = +128K, tp3 = +192K
        ldr x21, =testpages
        map_page VA_RO, x21, D_NORMAL | D_RO | D_PXN | D_UXN | 3
        map_page VA_AF0, x21, (D_NORMAL & ~0x400) | D_PXN | D_UXN | 3
        add x23, x21, #0x10, lsl #12           // tp1: code page
        map_page VA_XN, x23, D_NORMAL | D_PXN | D_UXN | 3
        map_page VA_X, x23, D_NORMAL | D_RO | D_UXN | 3
        add x24, x21, #0x20, lsl #12           // tp2
        map_page VA_REMAP, x24, D_NORMAL | D_PXN | D_UXN | 3
        mov x25, x6                             // PA of the VA_REMAP level-3 entry

        // test page contents (through PAs, MMU still off)
        ldr x0, =0x1234
        str x0, [x21]
        ldr x0, =0xd2800ee0                     // movz x0, #0x77
        str w0, [x23]
        ldr x0, =0xd65f03c0                     // ret
        str w0, [x23, #4]
        ldr x0, =0xaaaa
        str x0, [x24]
        ldr x0, =0xbbbb
        add x2, x21, #0x30, lsl #12
        str x0, [x2]                            // tp3
        ic iallu
        dsb sy
        isb

        // MAIR: attr0 Normal WB, attr1 Device-nGnRnE. TCR: T0SZ = T1SZ = 25, TG0/TG1, IPS 40 bits.
        mov x0, #0xff
        msr mair_el1, x0
        ldr x0, =(25 | (25 << 16) | (TG0 << 14) | (TG1 << 30) | (0x3 << 12) | (0x3 << 28) | (0x1 << 8) | (0x1 << 10) | (0x1 << 24) | (0x1 << 26) | (2 << 32))
        msr tcr_el1, x0
        msr ttbr0_el1, x19
        msr ttbr1_el1, x20
        isb
        tlbi vmalle1
        dsb nsh
        isb
        ldr x0, =0x30d01805                     // RES1 bits | I | C | M
        msr sctlr_el1, x0
        isb
        ldr x1, =HIGH_OFF
        adr x0, high
        add x0, x0, x1
        br x0

high:
        adr x0, vectors                         // PC-relative: already the high alias
        msr vbar_el1, x0
        isb
        adr x26, results                        // results through the high alias
        ldr x0, =0x600d0000 + GBITS
        str x0, [x26, #0]

        expect_fault "ldr x0, [x1]", VA_UNMAPPED_L3, 8      // r1 ESR, r2 FAR
        expect_fault "ldr x0, [x1]", VA_UNMAPPED_TOP, 24    // r3, r4
        expect_fault "str x1, [x1]", VA_RO, 40              // r5, r6
        ldr x0, [x1]
        str x0, [x26, #56]                      // r7 = 0x1234
        expect_fault "ldr x0, [x1]", VA_AF0, 64             // r8, r9
        expect_fault "blr x1", VA_XN, 80                    // r10, r11
        mov x0, #0
        ldr x1, =VA_X
        blr x1
        str x0, [x26, #96]                      // r12 = 0x77
        at_par s1e1r, VA_REMAP, 104             // r13
        at_par s1e1w, VA_RO, 112                // r14
        at_par s1e0r, VA_REMAP, 120             // r15
        at_par s1e1r, VA_UNMAPPED_L3, 128       // r16
        ldr x1, =VA_REMAP
        ldr x0, [x1]
        str x0, [x26, #136]                     // r17 = 0xaaaa
        // break-before-make remap of VA_REMAP to tp3
        str xzr, [x25]
        dsb ishst
        lsr x2, x1, #12
        and x2, x2, #0xfffffffffff
        tlbi vae1is, x2
        dsb ish
        ldr x3, =testpages + 0x30000
        ldr x4, =D_NORMAL | D_PXN | D_UXN | 3
        orr x3, x3, x4
        str x3, [x25]
        dsb ishst
        isb
        ldr x0, [x1]
        str x0, [x26, #144]                     // r18 = 0xbbbb
        mov x22, #0
        ldtr x0, [x1]
        stp x22, x23, [x26, #152]               // r19, r20: EL0 has no access
        // a store through the high alias is seen through the identity alias
        ldr x0, =0x5555
        adr x1, scratch
        str x0, [x1]
        ldr x1, =scratch
        ldr x0, [x1]
        str x0, [x26, #168]                     // r21 = 0x5555
        mrs x0, sctlr_el1
        str x0, [x26, #176]                     // r22
        ldr x0, =0xe0d
        str x0, [x26, #184]                     // r23 end marker

        // print the results: NRESULTS lines of 16 hex digits
        mov x27, #0
2:      ldr x0, [x26, x27, lsl #3]
        bl puthex
        add x27, x27, #1
        cmp x27, #NRESULTS
        b.lo 2b
done:
        mov w0, #0x18                           // SYS_EXIT
        adr x1, exit_block
        hlt #0xf000
        b done

// x0 -> 16 hex digits and a newline on the UART (clobbers x0-x4)
puthex:
        ldr x2, =UART
        mov x3, #60
3:      lsr x4, x0, x3
        and x4, x4, #15
        cmp x4, #10
        add x4, x4, #'0'
        b.lo 4f
        add x4, x4, #('a' - '0' - 10)
4:      strb w4, [x2]
        subs x3, x3, #4
        b.pl 3b
        mov x4, #10
        strb w4, [x2]
        ret

// x0 <- a zeroed table from the pool (clobbers x1, x2)
alloc_table:
        ldr x1, =pool_next
        ldr x0, [x1]
        add x2, x0, #(PAGE >> 12), lsl #12
        str x2, [x1]
        ret

// map: x0 = root table PA, x1 = VA, x2 = leaf descriptor, x3 = leaf shift; x6 <- entry PA.
// Tables missing on the way are allocated. Clobbers x0, x4-x9.
map:
        mov x9, x30
        mov x4, #START_SHIFT
        mov x5, #(39 - START_SHIFT)
5:      lsr x6, x1, x4
        mov x7, #1
        lsl x7, x7, x5
        sub x7, x7, #1
        and x6, x6, x7
        add x6, x0, x6, lsl #3
        cmp x4, x3
        b.eq 7f
        ldr x7, [x6]
        cbnz x7, 6f
        bl alloc_table_x7
        orr x7, x7, #3
        str x7, [x6]
6:      and x0, x7, #0x0000fffffffff000
        sub x4, x4, #STRIDE
        mov x5, #STRIDE
        b 5b
7:      str x2, [x6]
        mov x30, x9
        ret
alloc_table_x7:
        ldr x7, =pool_next
        ldr x8, [x7]
        add x5, x8, #(PAGE >> 12), lsl #12
        str x5, [x7]
        mov x7, x8
        mov x5, #STRIDE
        ret

        .ltorg

        .balign 2048
vectors:
        .rept 4                                 // current EL with SP_EL0: unexpected
        b unexpected
        .balign 128
        .endr
        // current EL with SP_ELx, synchronous
        mrs x22, esr_el1
        mrs x23, far_el1
        lsr x24, x22, #26
        cmp x24, #0x21
        b.ne 8f
        msr elr_el1, x30                        // instruction abort: return to the caller
        eret
8:      mrs x24, elr_el1
        add x24, x24, #4
        msr elr_el1, x24
        eret
        .balign 128
        .rept 10
        b unexpected
        .balign 128
        .endr
unexpected:
        adr x26, results
        mrs x0, esr_el1
        str x0, [x26, #184]
        mov x0, #0xbad
        str x0, [x26, #0]
        mov x27, #0
        b 2b

        .data
        .balign 16
exit_block:
        .quad 0x20026, 0
scratch:
        .quad 0
        .balign 16
results:
        .fill NRESULTS, 8, 0

        .bss
        .balign 65536
testpages:
        .skip 4 * 65536
pool:
        .skip 8 * PAGE
pool_end:
pool_next:
        .skip 8
