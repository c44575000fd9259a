// Start-up code of the GDB test program (gdb.test.ts): FP on, a stack, main, PSCI SYSTEM_OFF.
    .text
    .global _start
_start:
    mov     x0, #(3 << 20)          // CPACR_EL1.FPEN: FP/SIMD at EL1
    msr     cpacr_el1, x0
    isb
    adr     x0, stack_top
    mov     sp, x0
    bl      main
    movz    w0, #0x0008             // PSCI SYSTEM_OFF
    movk    w0, #0x8400, lsl #16
    hvc     #0
1:  b       1b
    .data
    .balign 16
    .space  0x4000
stack_top:
