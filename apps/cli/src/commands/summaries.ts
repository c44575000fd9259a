// One line per subcommand for `armature --help`, apart from the commands' modules so that the
// help (and a command) loads no module of another command: `--help` loads no board or CPU.
export const SUMMARY = {
  acpi: "write a sample machine's ACPI tables and SMBIOS for inspection",
  disasm: "disassemble A64 words or a raw binary (LLVM 14 syntax)",
  dtb: "check a device-tree blob, or generate a board's, and print it as DTS",
  run: "boot a machine (virt: Linux from an arm64 Image, DT in x0)",
  user: "run a static AArch64 Linux program in user mode (like qemu-aarch64)",
} as const;
