// Appended after each test body: default handlers for those the test does not define.
// Default handlers (a test overrides the ones it expects).
    .ifndef on_sync
on_sync:
    mov     x19, x30
    PRINT   "unexpected sync esr="
    mrs     x0, esr_el1
    bl      puthex
    PRINT   " elr="
    mrs     x0, elr_el1
    bl      puthex
    PRINT   "\n"
    b       poweroff

    .endif
    .ifndef on_irq
on_irq:
    PRINT   "unexpected irq\n"
    b       poweroff

    .endif
    .ifndef secondary_main
secondary_main:
    ret

    .endif
    .ltorg
