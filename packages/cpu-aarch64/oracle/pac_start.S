// Bare-metal entry for pac_baremetal.c under qemu-system-aarch64 -M virt -cpu max (starts at EL1).
    .section .text.start
    .global _start
_start:
    ldr x0, =pac_stack_top
    mov sp, x0
    bl main
    // Semihosting SYS_EXIT (0x18) with an AArch64 parameter block.
    mov x0, #0x18
    ldr x1, =pac_exit_block
    hlt #0xf000
1:  b 1b

    .data
    .balign 8
pac_exit_block:
    .quad 0x20026, 0
    .bss
    .balign 16
    .space 65536
pac_stack_top:
