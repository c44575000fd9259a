// SMMUv3 (ARM IHI 0070) from bare metal, in front of virtio-blk (virtio 1.2 5.2): a linear stream
// table with one stage-1 STE for the disk's StreamID (its PCI RID, 00:01.0 = 8), one context
// descriptor, a 4 KB-granule stage-1 table that maps IOVA 0x80000000 (2 MB block) onto the
// buffers at RAM + 0x200000; the disk reads sector 1 into an IOVA, and a second read into an
// unmapped IOVA must leave an F_TRANSLATION event with the StreamID and the input address.
// Polled, no interrupts. The device must offer VIRTIO_F_ACCESS_PLATFORM (QEMU: iommu_platform=on).
BUFS = RAM + 0x200000                       // 2 MB aligned; seen by the device at IOVA
IOVA = 0x80000000
Q = BUFS                                    // desc +0, avail +0x100, used +0x200
HDR = BUFS + 0x1000
DATA = BUFS + 0x2000
STATUS = BUFS + 0x3000
UNMAPPED = 0x90000000                       // IOVA with no stage-1 mapping
SMMUT = RAM + 0x400000                      // the SMMU's own structures (physical)
STRTAB = SMMUT                              // 32 STEs x 64 B (LOG2SIZE 5)
CD = SMMUT + 0x1000
CMDQ = SMMUT + 0x2000                       // 16 x 16 B
EVTQ = SMMUT + 0x3000                       // 16 x 32 B
L0 = SMMUT + 0x4000
L1 = SMMUT + 0x5000
L2 = SMMUT + 0x6000
SID = 8

main:
    PRINT   "smmu\n"
    ldr     x28, =SMMU
    ldr     w20, [x28, #0x0]                // IDR0: S1P (bit 1), TTF (3:2) includes AArch64 (2)
    ubfx    x3, x20, #1, #1
    CHECK   "IDR0.S1P", x3, 1
    ubfx    x3, x20, #3, #1
    CHECK   "IDR0.TTF AArch64", x3, 1
    ldr     w20, [x28, #0x4]                // IDR1: CMDQS (25:21), EVTQS (20:16), SIDSIZE (5:0)
    ubfx    x3, x20, #21, #5
    cmp     x3, #4
    cset    x3, hs
    CHECK   "IDR1.CMDQS >= 4", x3, 1
    ubfx    x3, x20, #16, #5
    cmp     x3, #4
    cset    x3, hs
    CHECK   "IDR1.EVTQS >= 4", x3, 1
    ubfx    x3, x20, #0, #6
    cmp     x3, #5
    cset    x3, hs
    CHECK   "IDR1.SIDSIZE >= 5", x3, 1

    // Zero the SMMU's structures (28 KB).
    ldr     x0, =SMMUT
    mov     x1, #(0x7000 / 16)
1:  stp     xzr, xzr, [x0], #16
    subs    x1, x1, #1
    b.ne    1b

    // Stage-1 tables: L0[0] -> L1, L1[2] -> L2, L2[0] = 2 MB block at BUFS (AF, inner-shareable,
    // AttrIndx 0 = normal write-back, AP = 01: read/write at EL1 and EL0).
    ldr     x0, =L0
    ldr     x1, =L1
    orr     x1, x1, #3
    str     x1, [x0]
    ldr     x0, =L1
    ldr     x1, =L2
    orr     x1, x1, #3
    str     x1, [x0, #16]
    ldr     x0, =L2
    ldr     x1, =BUFS
    mov     x2, #(1 << 10) | (3 << 8) | (1 << 6) | 1
    orr     x1, x1, x2
    str     x1, [x0]

    // Context descriptor (IHI 0070 5.4): T0SZ 16, TG0 4K, EPD1, V, IPS 48-bit, AA64, R, A, ASID 1.
    ldr     x0, =CD
    mov     x1, #16                         // T0SZ
    orr     x1, x1, #(1 << 30)              // EPD1
    orr     x1, x1, #(1 << 31)              // V
    mov     x2, #5
    orr     x1, x1, x2, lsl #32             // IPS = 48 bits
    mov     x2, #1
    orr     x1, x1, x2, lsl #41             // AA64
    orr     x1, x1, x2, lsl #45             // R: record faults
    orr     x1, x1, x2, lsl #46             // A: abort (terminate) faulting transactions
    orr     x1, x1, x2, lsl #48             // ASID 1
    str     x1, [x0]
    ldr     x1, =L0
    str     x1, [x0, #8]                    // TTB0
    mov     x1, #0xff
    str     x1, [x0, #24]                   // MAIR: Attr0 = normal, write-back
    // STE for SID (IHI 0070 5.2): V, Config = stage 1 translate + stage 2 bypass, S1ContextPtr.
    ldr     x0, =STRTAB + SID * 64
    ldr     x1, =CD
    mov     x2, #((0b101 << 1) | 1)
    orr     x1, x1, x2
    str     x1, [x0]
    dsb     sy

    // Queues and the stream table (registers IHI 0070 6.3).
    ldr     x1, =STRTAB
    str     x1, [x28, #0x80]                // STRTAB_BASE
    mov     w1, #5
    str     w1, [x28, #0x88]                // STRTAB_BASE_CFG: linear, LOG2SIZE 5
    ldr     x1, =CMDQ
    orr     x1, x1, #4
    str     x1, [x28, #0x90]                // CMDQ_BASE, LOG2SIZE 4
    str     wzr, [x28, #0x98]               // CMDQ_PROD
    str     wzr, [x28, #0x9c]               // CMDQ_CONS
    ldr     x1, =EVTQ
    orr     x1, x1, #4
    str     x1, [x28, #0xa0]                // EVTQ_BASE, LOG2SIZE 4
    add     x27, x28, #0x10000              // page 1
    str     wzr, [x27, #0xa8]               // EVTQ_PROD
    str     wzr, [x27, #0xac]               // EVTQ_CONS
    str     wzr, [x28, #0x28]               // CR1: non-cacheable table and queue accesses
    mov     w1, #2
    str     w1, [x28, #0x2c]                // CR2: RECINVSID
    mov     w1, #0xc                        // CR0: CMDQEN | EVTQEN
    bl      smmu_cr0
    // CFGI_ALL, TLBI_NSNH_ALL, CMD_SYNC (IHI 0070 4.3, 4.4, 4.7).
    mov     x1, #0x04
    mov     x2, #31
    bl      smmu_cmd
    mov     x1, #0x30
    mov     x2, #0
    bl      smmu_cmd
    mov     x1, #0x46
    mov     x2, #0
    bl      smmu_cmd
    ldr     w0, [x28, #0x98]
1:  ldr     w1, [x28, #0x9c]
    cmp     w1, w0
    b.ne    1b
    ldr     w0, [x28, #0x60]                // GERROR
    CHECK   "GERROR", x0, 0
    mov     w1, #0xd                        // CR0: SMMUEN | CMDQEN | EVTQEN
    bl      smmu_cr0
    PRINT   "smmu enabled\n"

    // virtio-blk: find 1af4:1042 in ECAM, place its BAR, read its capabilities.
    ldr     w0, =0x10421af4
    bl      virtio_pci_setup
    cbz     x0, 9f
    mov     x20, x0
    CHECK   "virtio-blk device", x20, 1
    mov     x26, #0                         // requests posted

    strb    wzr, [x21, #0x14]
    mov     w0, #3
    strb    w0, [x21, #0x14]
    mov     w0, #1
    str     w0, [x21, #0x00]                // device_feature_select = 1 (bits 32..63)
    ldr     w0, [x21, #0x04]
    ubfx    x0, x0, #1, #1
    CHECK   "VIRTIO_F_ACCESS_PLATFORM offered", x0, 1
    mov     w0, #1
    str     w0, [x21, #0x08]
    mov     w0, #3
    str     w0, [x21, #0x0c]                // VIRTIO_F_VERSION_1 | VIRTIO_F_ACCESS_PLATFORM
    mov     w0, #0xb
    strb    w0, [x21, #0x14]
    ldrb    w0, [x21, #0x14]
    and     x0, x0, #8
    CHECK   "features", x0, 8
    mov     w0, #0
    ldr     x1, =IOVA                       // the rings, as the device sees them
    bl      virtio_queue_setup
    mov     x24, x0
    mov     w0, #0xf
    strb    w0, [x21, #0x14]

    // Read sector 1 into the IOVA of DATA.
    ldr     x0, =IOVA + (DATA - BUFS)
    bl      request
    mov     x20, x1
    CHECK   "read status", x0, 0
    CHECK   "read used len", x20, 513
    PRINT   "sector 1: "
    ldr     x0, =DATA
    bl      puts
    PRINT   "\n"
    ldr     x27, =SMMU + 0x10000
    ldr     w0, [x27, #0xa8]
    CHECK   "no event yet", x0, 0

    // Read sector 1 into an unmapped IOVA: the SMMU records F_TRANSLATION (IHI 0070 7.3.4).
    ldr     x0, =UNMAPPED
    bl      post
    mov     x2, #0x100000
1:  ldr     w0, [x27, #0xa8]                // EVTQ_PROD
    cbnz    w0, 2f
    subs    x2, x2, #1
    b.ne    1b
2:  and     x0, x0, #0x1f               // index and wrap: QEMU's device retries the DMA and
    cmp     x0, #0                          // fills the queue, ours records the fault once
    cset    x0, ne
    CHECK   "event recorded", x0, 1
    ldr     x3, =EVTQ
    ldr     x0, [x3]
    and     x0, x0, #0xff
    CHECK   "event type F_TRANSLATION", x0, 0x10
    ldr     x0, [x3]
    lsr     x0, x0, #32
    CHECK   "event StreamID", x0, SID
    ldr     x0, [x3, #16]
    CHECK   "event InputAddr", x0, UNMAPPED
    ldr     x0, [x3, #8]
    ubfx    x0, x0, #35, #1
    CHECK   "event RnW (device writes)", x0, 0
    PRINT   "done\n"
    b       poweroff
9:  PRINT   "no virtio-blk\n"
    b       poweroff

// smmu_cr0: w1 = CR0 value; write it and wait for CR0ACK to match.
smmu_cr0:
    str     w1, [x28, #0x20]
1:  ldr     w0, [x28, #0x24]
    cmp     w0, w1
    b.ne    1b
    ret

// smmu_cmd: x1 = command dword 0, x2 = dword 1; written at CMDQ_PROD, which then advances.
smmu_cmd:
    ldr     w3, [x28, #0x98]
    and     w4, w3, #0xf
    ldr     x5, =CMDQ
    add     x5, x5, x4, lsl #4
    stp     x1, x2, [x5]
    dsb     sy
    add     w3, w3, #1
    and     w3, w3, #0x1f                   // index + wrap bit for LOG2SIZE 4
    str     w3, [x28, #0x98]
    ret

// request: x0 = IOVA of the 512-byte data buffer; reads sector 1 there and waits for the used
// ring. Returns the status byte in x0 and the used length in x1. x26 counts requests.
request:
    mov     x16, x30
    bl      post
    ldr     x5, =Q
    mov     w0, w26
    bl      virtq_wait_used
    ldr     x4, =STATUS
    ldrb    w0, [x4]
    mov     x30, x16
    ret

// post: x0 = IOVA of the data buffer; queues VIRTIO_BLK_T_IN of sector 1 and notifies.
post:
    ldr     x3, =HDR
    str     wzr, [x3]                       // VIRTIO_BLK_T_IN
    str     wzr, [x3, #4]
    mov     x1, #1
    str     x1, [x3, #8]                    // sector 1
    ldr     x4, =STATUS
    mov     w5, #0xff
    strb    w5, [x4]
    ldr     x5, =Q
    ldr     x3, =IOVA + (HDR - BUFS)
    ldr     x4, =IOVA + (STATUS - BUFS)
    mov     w2, #2                          // data: device-writable
    add     x26, x26, #1
    b       virtq_post_chain3
    .ltorg
