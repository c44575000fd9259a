// PL011 receive interrupt (PL011 TRM 3.4/3.3.10): enable the UART with the FIFOs off (one-byte
// holding register, so every received byte raises RXINTR), unmask RXIM|RTIM, route its SPI
// through the GIC and echo each received byte as "<c>" until 'q' arrives.
main:
    PRINT   "uart rx\n"
    bl      gic_dist_init
    bl      gic_cpu_init
    mov     w0, #UART_INTID
    bl      gic_enable_spi
    ldr     x20, =UART
    str     wzr, [x20, #0x2c]               // UARTLCR_H: FEN = 0, 5 bits... (data width is ignored)
    mov     w0, #0x301                      // UARTCR: UARTEN | TXE | RXE
    str     w0, [x20, #0x30]
    mov     w0, #0x50                       // UARTIMSC: RXIM | RTIM
    str     w0, [x20, #0x38]
    PRINT   "ready\n"
    WAIT_GE done, 1
    PRINT   "\n"
    ldr     x0, intid
    CHECK   "uart intid", x0, UART_INTID
    ldr     x0, count
    CHECK   "bytes", x0, 5
    PRINT   "done\n"
    b       poweroff

on_irq:
    mov     x21, x30
    mrs     x22, ICC_IAR1_EL1
    STV     x22, intid
    ldr     x20, =UART
1:  ldr     w0, [x20, #0x18]                // UARTFR.RXFE
    tbnz    w0, #4, 2f
    ldr     w23, [x20]                      // UARTDR
    and     w23, w23, #0xff
    mov     w0, #'<'
    bl      putc
    mov     w0, w23
    bl      putc
    mov     w0, #'>'
    bl      putc
    ldr     x0, count
    add     x0, x0, #1
    STV     x0, count
    cmp     w23, #'q'
    b.ne    1b
    mov     x0, #1
    STV     x0, done
    b       1b
2:  msr     ICC_EOIR1_EL1, x22
    mov     x30, x21
    ret

    .balign 8
intid:  .quad 0
count:  .quad 0
done:   .quad 0
