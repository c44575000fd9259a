// Shared start-up code and helpers for the bare-metal board tests (see harness.ts).
// The harness assembles each test as `.include "prelude.S"` + the test body, with the board's
// addresses given by --defsym: UART, RTC, GICD, GICR, ECAM, PCIMMIO, MSIFRAME, HAS_ITS, RAM.
// The image is linked at RAM + 0x80000 (where the board, and QEMU's virt, put a raw binary) and
// entered at _start in EL1h with the MMU off.
//
// Conventions: helpers (putc, puts, puthex, check, ...) clobber x0-x10 and x30 only; test code
// keeps its state in x19-x28. A test defines `main` (CPU 0) and optionally `on_irq`, `on_sync`
// and `secondary_main`; vectors save and restore x0-x30 around the handlers.

    .text
    .global _start
_start:
    mov     x19, x0                         // boot arguments (x0 = DTB), passed on to main
    mov     x20, x1
    mov     x21, x2
    mov     x22, x3
    mrs     x0, mpidr_el1
    and     x0, x0, #0xff
    adr     x1, stack_top
    sub     x1, x1, x0, lsl #12            // 4 KiB of stack per CPU
    mov     sp, x1
    adr     x1, vectors
    msr     vbar_el1, x1
    isb
    mov     x0, x19
    mov     x1, x20
    mov     x2, x21
    mov     x3, x22
    bl      main
    b       poweroff

// Entry point for CPUs started with PSCI CPU_ON (context id in x0, passed on to secondary_main).
secondary_start:
    mov     x19, x0
    mrs     x0, mpidr_el1
    and     x0, x0, #0xff
    adr     x1, stack_top
    sub     x1, x1, x0, lsl #12
    mov     sp, x1
    adr     x1, vectors
    msr     vbar_el1, x1
    isb
    mov     x0, x19
    bl      secondary_main
1:  wfi
    b       1b

// ---------------------------------------------------------------- console (PL011 UARTDR)
putc:                                       // w0 = byte
    ldr     x7, =UART
    strb    w0, [x7]
    ret

puts:                                       // x0 = NUL-terminated string
    ldr     x7, =UART
1:  ldrb    w6, [x0], #1
    cbz     w6, 2f
    strb    w6, [x7]
    b       1b
2:  ret

puthex:                                     // x0 = value, printed as 0x<hex> without leading zeros
    ldr     x7, =UART
    mov     w6, #'0'
    strb    w6, [x7]
    mov     w6, #'x'
    strb    w6, [x7]
    mov     x5, #60                         // bit position of the current nibble
    mov     x4, #0                          // printed anything yet?
1:  lsr     x6, x0, x5
    and     x6, x6, #15
    cmp     x5, #0
    ccmp    x4, #0, #0, ne                  // last nibble always prints (Z = 0)
    b.ne    2f
    cbz     x6, 3f
2:  mov     x4, #1
    cmp     x6, #10
    add     x3, x6, #'0'
    add     x2, x6, #('a' - 10)
    csel    x6, x2, x3, hs
    strb    w6, [x7]
3:  subs    x5, x5, #4
    b.pl    1b
    ret

// check: x0 = name, x1 = got, x2 = want. Prints "name ok" or "name FAIL got=.. want=..".
check:
    mov     x10, x30
    mov     x8, x1
    mov     x9, x2
    bl      puts
    cmp     x8, x9
    b.ne    1f
    adr     x0, str_ok
    bl      puts
    mov     x30, x10
    ret
1:  adr     x0, str_fail_got
    bl      puts
    mov     x0, x8
    bl      puthex
    adr     x0, str_want
    bl      puts
    mov     x0, x9
    bl      puthex
    mov     w0, #'\n'
    bl      putc
    mov     x30, x10
    ret
str_ok:       .asciz " ok\n"
str_fail_got: .asciz " FAIL got="
str_want:     .asciz " want="
    .balign 4

// PRINT "text": print a literal (clobbers x0, x6, x7, x30).
.macro PRINT text
    adr     x0, 9998f
    bl      puts
    b       9999f
9998: .asciz "\text"
    .balign 4
9999:
.endm

// CHECK name, got-register, want: compare a register with an immediate (loaded by ldr =).
.macro CHECK name, got, want
    mov     x1, \got
    ldr     x2, =\want
    adr     x0, 9998f
    bl      check
    b       9999f
9998: .asciz "\name"
    .balign 4
9999:
.endm

// STV reg, label: store a register to a (PC-relative) variable; clobbers x17.
.macro STV reg, sym
    adr     x17, \sym
    str     \reg, [x17]
.endm

// WAIT_GE sym, n: sleep until the variable sym >= n, taking IRQs only between checks (WFI with
// PSTATE.I set still wakes on a pending IRQ, ARM ARM D1.16.2), so an interrupt that arrives just
// before the WFI cannot be lost. Leaves IRQs masked. Clobbers x0.
.macro WAIT_GE sym, n
    msr     daifset, #2
9997:
    ldr     x0, \sym
    cmp     x0, #\n
    b.hs    9996f
    wfi
    msr     daifclr, #2
    isb
    msr     daifset, #2
    b       9997b
9996:
.endm

// SYNC_REGS (in an on_sync handler): x1 = ESR_EL1, x2 = ELR_EL1, x3 = FAR_EL1, x4 = SPSR_EL1.
.macro SYNC_REGS
    mrs     x1, esr_el1
    mrs     x2, elr_el1
    mrs     x3, far_el1
    mrs     x4, spsr_el1
.endm

// STORE_REC (after SYNC_REGS, x0 = a record): ESR, ELR, FAR, SPSR as its first 32 bytes.
.macro STORE_REC
    stp     x1, x2, [x0]
    stp     x3, x4, [x0, #16]
.endm

// LOAD_REC (x0 = a STORE_REC record): x20 = ESR with EA (bit 9, IMPLEMENTATION DEFINED) masked,
// x21 = ELR, x22 = FAR, x23 = SPSR.
.macro LOAD_REC
    ldp     x20, x21, [x0]
    ldp     x22, x23, [x0, #16]
    and     x20, x20, #~0x200
.endm

// ERET_EL0 target: enter EL0t (AArch64, SP_EL0, DAIF masked: SPSR_EL1 = 0x3c0) at `target`.
// Clobbers x0.
.macro ERET_EL0 target
    mov     x0, #0x3c0
    msr     spsr_el1, x0
    adr     x0, \target
    msr     elr_el1, x0
    isb
    eret
.endm

// RETURN_PAST (ends an on_sync handler, x1 = ESR, x2 = ELR): returns past the instruction that
// took the exception (BRK, UDF, a faulting access); after an SVC (EC 0x15), whose preferred return
// address is the next instruction, to ELR as it is. Clobbers x1.
.macro RETURN_PAST
    lsr     x1, x1, #26
    cmp     x1, #0x15
    b.eq    9994f
    add     x2, x2, #4
    msr     elr_el1, x2
9994:
    ret
.endm

// SVC8_TO_EL1 (in an on_sync handler, x1 = ESR): an SVC #8 returns to EL1h at the test's
// el1_resume (ret); anything else falls through. Clobbers x6.
.macro SVC8_TO_EL1
    lsr     x6, x1, #26
    cmp     x6, #0x15
    b.ne    9995f
    and     x6, x1, #0xffff
    cmp     x6, #8
    b.ne    9995f
    mov     x6, #0x3c5
    msr     spsr_el1, x6
    adr     x6, el1_resume
    msr     elr_el1, x6
    ret
9995:
.endm

// ---------------------------------------------------------------- PSCI through HVC (DEN0022)
poweroff:
    movz    w0, #0x0008
    movk    w0, #0x8400, lsl #16            // SYSTEM_OFF
    hvc     #0
1:  wfi
    b       1b

// ---------------------------------------------------------------- GICv3 (IHI 0069)
// gic_dist_init: GICD_CTLR.EnableGrp1 (ARE is RAO with a single Security state), wait RWP.
gic_dist_init:
    ldr     x1, =GICD
    mov     w0, #0x12                       // ARE_NS | EnableGrp1(NS)
    str     w0, [x1]
1:  ldr     w0, [x1]                        // GICD_CTLR.RWP (bit 31)
    tbnz    w0, #31, 1b
    ret

// gic_cpu_init: wake this CPU's redistributor (GICR_WAKER handshake), put SGIs/PPIs in Group 1,
// enable the system-register interface, PMR = 0xff, IGRPEN1 = 1. Returns SGI_base in x0.
gic_cpu_init:
    mrs     x0, mpidr_el1
    and     x0, x0, #0xff
    ldr     x1, =GICR
    add     x1, x1, x0, lsl #17             // 128 KiB of frames per CPU
    ldr     w2, [x1, #0x14]                 // GICR_WAKER
    bic     w2, w2, #2                      // ProcessorSleep = 0
    str     w2, [x1, #0x14]
1:  ldr     w2, [x1, #0x14]
    tbnz    w2, #2, 1b                      // until ChildrenAsleep = 0
    add     x0, x1, #0x10000                // SGI_base
    mov     w2, #-1
    str     w2, [x0, #0x80]                 // GICR_IGROUPR0: all Group 1
    mrs     x2, ICC_SRE_EL1
    orr     x2, x2, #1                      // SRE
    msr     ICC_SRE_EL1, x2
    isb
    mov     x2, #0xff
    msr     ICC_PMR_EL1, x2
    mov     x2, #1
    msr     ICC_IGRPEN1_EL1, x2
    isb
    ret

// gic_enable_ppi: w0 = INTID (0-31), x1 = SGI_base: priority 0x80, enable.
gic_enable_ppi:
    add     x2, x1, #0x400                  // GICR_IPRIORITYR
    mov     w3, #0x80
    strb    w3, [x2, x0]
    mov     w3, #1
    lsl     w3, w3, w0
    str     w3, [x1, #0x100]                // GICR_ISENABLER0
    ret

// gic_enable_spi: w0 = INTID (>= 32), routed to CPU 0 in Group 1, priority 0x80, enabled.
gic_enable_spi:
    ldr     x1, =GICD
    lsr     w2, w0, #5
    add     x3, x1, #0x80                   // GICD_IGROUPR<n>
    ldr     w4, [x3, x2, lsl #2]
    mov     w5, #1
    lsl     w5, w5, w0
    orr     w4, w4, w5
    str     w4, [x3, x2, lsl #2]
    add     x3, x1, #0x400                  // GICD_IPRIORITYR
    mov     w4, #0x80
    strb    w4, [x3, x0]
    mov     x3, #0x6000                     // GICD_IROUTER<n>: Aff = 0.0.0.0
    add     x3, x3, x0, lsl #3
    str     xzr, [x1, x3]
    add     x3, x1, #0x100                  // GICD_ISENABLER<n>
    str     w5, [x3, x2, lsl #2]
    ret

// ---------------------------------------------------------------- PCI
// bar_place: x0 = config space, x1 = BAR index, x2 = address (64-bit BARs get 0 upstairs).
bar_place:
    add     x3, x0, #0x10
    add     x3, x3, x1, lsl #2
    ldr     w4, [x3]
    str     w2, [x3]
    and     w4, w4, #6
    cmp     w4, #4
    b.ne    1f
    lsr     x2, x2, #32
    str     w2, [x3, #4]
1:  ret

// virtio_pci_setup: w0 = the function's vendor/device id word (e.g. 0x10421af4: virtio-blk).
// Finds it on bus 0 (devices 1..31), walks its virtio vendor capabilities (virtio 1.2 4.1.4),
// places the common-config BAR at PCIMMIO and enables memory space and bus mastering. Returns
// x0 = its device number (0: not found), x19 = its config space, x21 = the common config,
// x24 = the notify base, w25 = notify_off_multiplier, x26 = the device config (PCIMMIO + 0 when
// the function has none). Clobbers x0-x10, x22, x23 and x30.
virtio_pci_setup:
    stp     x30, xzr, [sp, #-16]!
    mov     w10, w0
    ldr     x19, =ECAM
    mov     x9, #0
1:  add     x9, x9, #1
    cmp     x9, #32
    b.hs    8f
    add     x1, x19, x9, lsl #15
    ldr     w0, [x1]
    cmp     w0, w10
    b.ne    1b
    str     x9, [sp, #8]
    mov     x19, x1
    mov     w26, #0
    ldrb    w1, [x19, #0x34]                // COMMON (w22 bar, w23), NOTIFY (w24, w25), DEVICE (w26)
2:  cbz     w1, 4f
    add     x2, x19, x1
    ldrb    w0, [x2]
    cmp     w0, #0x09
    b.ne    3f
    ldrb    w3, [x2, #3]
    ldr     w4, [x2, #8]
    cmp     w3, #1
    b.ne    5f
    ldrb    w22, [x2, #4]
    mov     w23, w4
5:  cmp     w3, #2
    b.ne    6f
    mov     w24, w4
    ldr     w25, [x2, #16]
6:  cmp     w3, #4
    b.ne    3f
    mov     w26, w4
3:  ldrb    w1, [x2, #1]
    b       2b
4:  mov     x0, x19
    mov     x1, x22
    ldr     x2, =PCIMMIO
    bl      bar_place
    ldrh    w0, [x19, #0x04]
    orr     w0, w0, #6
    strh    w0, [x19, #0x04]
    ldr     x0, =PCIMMIO
    add     x21, x0, x23
    add     x24, x0, x24
    add     x26, x0, x26
    ldp     x30, x0, [sp], #16
    ret
8:  ldp     x30, x0, [sp], #16
    mov     x0, #0
    ret

// virtio_negotiate: w0 = the driver's feature bits 32..63 (1: VIRTIO_F_VERSION_1). Through the
// common config at x21 (virtio 1.2 3.1.1): reset, ACKNOWLEDGE | DRIVER, the features, FEATURES_OK;
// returns the status's FEATURES_OK bit in x0 (8: accepted). Clobbers x1.
virtio_negotiate:
    strb    wzr, [x21, #0x14]
    mov     w1, #3
    strb    w1, [x21, #0x14]                // ACKNOWLEDGE | DRIVER
    mov     w1, #1
    str     w1, [x21, #0x08]                // driver_feature_select = 1 (bits 32..63)
    str     w0, [x21, #0x0c]
    mov     w0, #0xb
    strb    w0, [x21, #0x14]                // | FEATURES_OK
    ldrb    w0, [x21, #0x14]
    and     x0, x0, #8
    ret

// virtio_queue_setup: w0 = queue index, x1 = ring memory (desc +0, avail +0x100, used +0x200);
// a 4-entry queue without an MSI-X vector, enabled. Returns its notify address in x0 (notify base
// x24, multiplier w25). Clobbers x2, x3. virtio_queue_setup_msix: the same with MSI-X vector w3.
virtio_queue_setup:
    mov     w3, #0xffff                     // NO_VECTOR
virtio_queue_setup_msix:
    strh    w0, [x21, #0x16]                // queue_select
    mov     w2, #4
    strh    w2, [x21, #0x18]                // queue_size
    strh    w3, [x21, #0x1a]                // queue_msix_vector
    str     w1, [x21, #0x20]                // queue_desc
    lsr     x2, x1, #32
    str     w2, [x21, #0x24]
    add     x3, x1, #0x100
    str     w3, [x21, #0x28]                // queue_driver
    str     w2, [x21, #0x2c]
    add     x3, x1, #0x200
    str     w3, [x21, #0x30]                // queue_device
    str     w2, [x21, #0x34]
    mov     w2, #1
    strh    w2, [x21, #0x1c]                // queue_enable
    ldrh    w2, [x21, #0x1e]                // queue_notify_off
    mul     w2, w2, w25
    add     x0, x24, x2
    ret

// virtq_post_first: x0 = buffer, x1 = ring memory, w2 = length, w3 = descriptor flags, x4 = the
// queue's notify address, w5 = the queue index. Makes the buffer descriptor 0, the first entry of
// the available ring (idx 1), and notifies. Clobbers w0.
virtq_post_first:
    str     x0, [x1]
    str     w2, [x1, #8]
    strh    w3, [x1, #12]
    strh    wzr, [x1, #0x104]               // avail ring[0] = 0
    dmb     ishst
    mov     w0, #1
    strh    w0, [x1, #0x102]                // avail idx = 1
    dsb     sy
    strh    w5, [x4]
    ret

// virtio_rx_tx: a device whose queue 0 receives and queue 1 transmits (virtio-net's receiveq1 and
// transmitq1, virtio-console's port 0), through the common config at x21 (virtio_pci_setup):
// VIRTIO_F_VERSION_1 only (CHECK "features"), both queues (rings at x0 and x0 + 0x1000),
// DRIVER_OK; then the receive buffer x1 (w2 bytes, device-writable) and the transmit buffer x3
// (w4 bytes) each posted first in its queue. Returns the queues' notify addresses in x26, x27.
// Clobbers x0-x10.
virtio_rx_tx:
    stp     x30, x0, [sp, #-48]!
    stp     x1, x2, [sp, #16]
    stp     x3, x4, [sp, #32]
    mov     w0, #1                          // VIRTIO_F_VERSION_1
    bl      virtio_negotiate
    CHECK   "features", x0, 8
    mov     w0, #0
    ldr     x1, [sp, #8]
    bl      virtio_queue_setup
    mov     x26, x0
    mov     w0, #1
    ldr     x1, [sp, #8]
    add     x1, x1, #0x1000
    bl      virtio_queue_setup
    mov     x27, x0
    mov     w0, #0xf
    strb    w0, [x21, #0x14]                // DRIVER_OK
    ldp     x0, x2, [sp, #16]               // the receive buffer into queue 0
    ldr     x1, [sp, #8]
    mov     w3, #2                          // VIRTQ_DESC_F_WRITE
    mov     x4, x26
    mov     w5, #0
    bl      virtq_post_first
    ldp     x0, x2, [sp, #32]               // the transmit buffer into queue 1
    ldr     x1, [sp, #8]
    add     x1, x1, #0x1000
    mov     w3, #0
    mov     x4, x27
    mov     w5, #1
    bl      virtq_post_first
    ldr     x30, [sp], #48
    ret

// virtq_post_chain3: a virtio-blk request (virtio 1.2 5.2.6) as descriptors 0-2 of the 4-entry
// queue 0 at ring memory x5: x3 = the 16-byte header (device-readable), x0 = the 512-byte data
// buffer with flags w2 (2: device-writable), x4 = the status byte (device-writable), each as the
// device addresses it. Puts head 0 in the next available ring entry, publishes it and notifies
// x24. Clobbers x6, x7.
virtq_post_chain3:
    str     x3, [x5]                        // desc 0: header, NEXT
    mov     w6, #16
    str     w6, [x5, #8]
    mov     w6, #1
    strh    w6, [x5, #12]
    strh    w6, [x5, #14]                   // next = 1
    str     x0, [x5, #16]                   // desc 1: data, NEXT | flags
    mov     w6, #512
    str     w6, [x5, #24]
    orr     w6, w2, #1
    strh    w6, [x5, #28]
    mov     w6, #2
    strh    w6, [x5, #30]                   // next = 2
    str     x4, [x5, #32]                   // desc 2: status, WRITE
    mov     w6, #1
    str     w6, [x5, #40]
    mov     w6, #2
    strh    w6, [x5, #44]
    strh    wzr, [x5, #46]
    ldrh    w6, [x5, #0x102]                // avail idx
    and     w7, w6, #3
    add     x7, x5, x7, lsl #1
    strh    wzr, [x7, #0x104]               // avail ring[idx % 4] = head 0
    add     w6, w6, #1
    dmb     ishst
    strh    w6, [x5, #0x102]
    dsb     sy
    strh    wzr, [x24]                      // notify queue 0
    ret

// virtq_wait_used: waits until the used idx of the 4-entry queue at ring memory x5 is w0, then
// returns the length of used ring entry w0 - 1 in x1. Clobbers x6, x7.
virtq_wait_used:
1:  ldrh    w6, [x5, #0x202]                // used idx
    cmp     w6, w0
    b.ne    1b
    sub     w6, w0, #1
    and     x6, x6, #3
    add     x7, x5, #0x204
    add     x7, x7, x6, lsl #3
    ldr     w1, [x7, #4]                    // used elem len
    ret

// ---------------------------------------------------------------- vectors (ARM ARM D1.10.2)
.macro VENTRY kind
    .balign 0x80
    sub     sp, sp, #256
    stp     x0, x1, [sp]
    mov     x0, #\kind
    b       vector_common
.endm

// GPRS pair, single: x2..x30 in the vector frame (VENTRY stores x0 and x1 at sp): `GPRS stp, str`
// saves them, `GPRS ldp, ldr` restores them.
.macro GPRS pair, single
    \pair   x2, x3, [sp, #16]
    \pair   x4, x5, [sp, #32]
    \pair   x6, x7, [sp, #48]
    \pair   x8, x9, [sp, #64]
    \pair   x10, x11, [sp, #80]
    \pair   x12, x13, [sp, #96]
    \pair   x14, x15, [sp, #112]
    \pair   x16, x17, [sp, #128]
    \pair   x18, x19, [sp, #144]
    \pair   x20, x21, [sp, #160]
    \pair   x22, x23, [sp, #176]
    \pair   x24, x25, [sp, #192]
    \pair   x26, x27, [sp, #208]
    \pair   x28, x29, [sp, #224]
    \single x30, [sp, #240]
.endm

    .balign 0x800
vectors:
    VENTRY 0
    VENTRY 1
    VENTRY 2
    VENTRY 3
    VENTRY 4                                // current EL with SPx: synchronous
    VENTRY 5                                // IRQ
    VENTRY 6
    VENTRY 7
    VENTRY 8
    VENTRY 9
    VENTRY 10
    VENTRY 11
    VENTRY 12
    VENTRY 13
    VENTRY 14
    VENTRY 15

vector_common:
    GPRS    stp, str
    cmp     x0, #4                          // synchronous from EL1 (SP_EL1)
    b.eq    1f
    cmp     x0, #8                          // synchronous from EL0 (AArch64)
    b.eq    1f
    cmp     x0, #5                          // IRQ from EL1
    b.eq    2f
    cmp     x0, #9                          // IRQ from EL0
    b.eq    2f
    mov     x19, x0
    PRINT   "unexpected vector "
    mov     x0, x19
    bl      puthex
    PRINT   " esr="
    mrs     x0, esr_el1
    bl      puthex
    PRINT   "\n"
    b       poweroff
1:  bl      on_sync
    b       3f
2:  bl      on_irq
3:  GPRS    ldp, ldr
    ldp     x0, x1, [sp]
    add     sp, sp, #256
    eret

