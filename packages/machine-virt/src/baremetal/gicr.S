// GIC discovery the way Linux's gic-v3 driver does it (IHI 0069 12.1, 12.11): ID_AA64PFR0_EL1.GIC
// says the system-register interface exists; GICD_PIDR2/GICR_PIDR2.ArchRev = 3; walking the
// redistributor frames (128 KiB each) until GICR_TYPER.Last finds one per CPU, whose
// GICR_TYPER.Affinity_Value matches that CPU's MPIDR affinity and Processor_Number its index.
main:
    PRINT   "gicr\n"
    mrs     x0, id_aa64pfr0_el1
    ubfx    x0, x0, #24, #4
    CHECK   "pfr0 gic sysregs", x0, 1
    mrs     x0, ICC_SRE_EL1
    orr     x0, x0, #1
    msr     ICC_SRE_EL1, x0
    isb
    mrs     x0, ICC_SRE_EL1
    and     x0, x0, #1
    CHECK   "icc_sre_el1.sre", x0, 1
    ldr     x1, =GICD
    mov     x2, #0xffe8
    ldr     w0, [x1, x2]                    // GICD_PIDR2
    ubfx    x0, x0, #4, #4
    CHECK   "gicd archrev", x0, 3
    ldr     x20, =GICR
    mov     x21, #0                         // frames seen
1:  mov     x2, #0xffe8
    ldr     w0, [x20, x2]                   // GICR_PIDR2
    ubfx    x0, x0, #4, #4
    cmp     x0, #3
    b.ne    9f
    ldr     x22, [x20, #0x08]               // GICR_TYPER
    PRINT   "frame "
    mov     x0, x21
    bl      puthex
    PRINT   " aff "
    lsr     x0, x22, #32
    bl      puthex
    PRINT   " procnum "
    ubfx    x0, x22, #8, #16
    bl      puthex
    PRINT   "\n"
    add     x21, x21, #1
    tbnz    x22, #4, 2f                     // Last
    add     x20, x20, #0x20000
    cmp     x21, #16
    b.lo    1b
2:  CHECK   "frames", x21, 4
    PRINT   "done\n"
    b       poweroff
9:  PRINT   "bad frame\n"
    b       poweroff
