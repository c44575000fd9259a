// GIC ITS register values at reset (GIC architecture spec IHI 0069, 12.19), as QEMU's and KVM's
// ITS present them to programs written for those boards:
//   GITS_CTLR   = Quiescent (bit 31), disabled
//   GITS_BASER0 = Type 1 (Devices), Entry_Size 8 bytes (7), Page_Size 64 KB (0b10)
//   GITS_BASER1 = Type 4 (Collections), Entry_Size 8 bytes, Page_Size 64 KB
//   GITS_BASER2..7 = 0 (not implemented)
//   GITS_CBASER = GITS_CWRITER = GITS_CREADR = 0
//   GITS_TYPER: Physical, IDbits 15, Devbits 15, CIL 1, CIDbits 15 (16-bit collection IDs);
//     ITT_entry_size (bits 7:4) is the implementation's choice and not compared
//   GITS_IIDR: Implementer (bits 11:0) = 0x43b (Arm)

    .macro REG64 name, off, want, mask=0xffffffffffffffff
    ldr     x1, =MSIFRAME
    ldr     x20, [x1, #\off]
    ldr     x0, =\mask
    and     x20, x20, x0
    CHECK   "\name", x20, \want
    .endm

main:
    mov     x19, x30
    PRINT   "its reset\n"
    ldr     x1, =MSIFRAME
    ldr     w20, [x1, #0x0]
    CHECK   "gits_ctlr", x20, 0x80000000
    ldr     x1, =MSIFRAME
    ldr     w20, [x1, #0x4]
    and     w20, w20, #0xfff
    CHECK   "gits_iidr implementer", x20, 0x43b
    REG64   "gits_typer", 0x8, 0x1f0001ef01, 0xffffffffffffff0f
    REG64   "gits_cbaser", 0x80, 0
    REG64   "gits_cwriter", 0x88, 0
    REG64   "gits_creadr", 0x90, 0
    REG64   "gits_baser0", 0x100, 0x0107000000000200
    REG64   "gits_baser1", 0x108, 0x0407000000000200
    REG64   "gits_baser2", 0x110, 0
    REG64   "gits_baser3", 0x118, 0
    REG64   "gits_baser4", 0x120, 0
    REG64   "gits_baser5", 0x128, 0
    REG64   "gits_baser6", 0x130, 0
    REG64   "gits_baser7", 0x138, 0
    PRINT   "done\n"
    b       poweroff
