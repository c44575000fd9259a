// PL031 RTC (PL031 TRM 3.3): start the counter, read RTCDR, set RTCMR = RTCDR + 1, unmask the
// match interrupt (RTCIMSC), wait for its SPI, check RTCMIS/RTCRIS and clear it with RTCICR.
main:
    PRINT   "rtc\n"
    bl      gic_dist_init
    bl      gic_cpu_init
    mov     w0, #RTC_INTID
    bl      gic_enable_spi
    ldr     x20, =RTC
    mov     w0, #1
    str     w0, [x20, #0x0c]                // RTCCR: start
    ldr     w21, [x20]                      // RTCDR
    ldr     w0, =1600000000
    cmp     w21, w0
    cset    x0, hs
    CHECK   "rtcdr plausible", x0, 1
    ldr     w0, [x20, #0xfe0]               // RTCPeriphID0
    CHECK   "periph id0", x0, 0x31
    add     w22, w21, #1
    str     w22, [x20, #0x04]               // RTCMR
    mov     w0, #1
    str     w0, [x20, #0x10]                // RTCIMSC
    WAIT_GE intid, 1
    ldr     x0, intid
    CHECK   "rtc intid", x0, RTC_INTID
    ldr     x0, mis
    CHECK   "rtcmis in handler", x0, 1
    ldr     w0, [x20]
    cmp     w0, w22
    cset    x0, hs
    CHECK   "rtcdr reached match", x0, 1
    ldr     w0, [x20, #0x14]                // RTCRIS after RTCICR
    CHECK   "rtcris cleared", x0, 0
    PRINT   "done\n"
    b       poweroff

on_irq:
    mrs     x1, ICC_IAR1_EL1
    STV     x1, intid
    ldr     x2, =RTC
    ldr     w3, [x2, #0x18]                 // RTCMIS
    STV     x3, mis
    mov     w3, #1
    str     w3, [x2, #0x1c]                 // RTCICR
    msr     ICC_EOIR1_EL1, x1
    ret

    .balign 8
intid:  .quad 0
mis:    .quad 0
