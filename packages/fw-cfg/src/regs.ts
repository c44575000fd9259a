// QEMU firmware configuration interface ("fw_cfg"), MMIO flavour: the register map, the item
// keys, the DMA control bits and the file directory format, as QEMU's fw_cfg specification
// (docs/specs/fw_cfg.rst) defines them for guests.

/** The register window: data (8 bytes), selector (8), DMA address (8). */
export const FW_CFG_MMIO_SIZE = 0x18;

/** Data register: reads return the selected item's bytes in order (string-preserving). */
export const FW_CFG_DATA = 0x00;
/** Selector register: a 16-bit big-endian key. */
export const FW_CFG_SELECTOR = 0x08;
/** DMA address register: a 64-bit big-endian address; writing its low half (or all 8 bytes) starts the transfer. */
export const FW_CFG_DMA = 0x10;

/** What the DMA register reads as: "QEMU CFG" (big-endian). */
export const FW_CFG_DMA_SIGNATURE = 0x51454d5520434647n;

// ---- item keys ----
export const FW_CFG_SIGNATURE = 0x00;
export const FW_CFG_ID = 0x01;
export const FW_CFG_UUID = 0x02;
export const FW_CFG_RAM_SIZE = 0x03;
export const FW_CFG_NOGRAPHIC = 0x04;
export const FW_CFG_NB_CPUS = 0x05;
export const FW_CFG_MACHINE_ID = 0x06;
export const FW_CFG_KERNEL_ADDR = 0x07;
export const FW_CFG_KERNEL_SIZE = 0x08;
export const FW_CFG_KERNEL_CMDLINE = 0x09;
export const FW_CFG_INITRD_ADDR = 0x0a;
export const FW_CFG_INITRD_SIZE = 0x0b;
export const FW_CFG_BOOT_DEVICE = 0x0c;
export const FW_CFG_NUMA = 0x0d;
export const FW_CFG_BOOT_MENU = 0x0e;
export const FW_CFG_MAX_CPUS = 0x0f;
export const FW_CFG_KERNEL_ENTRY = 0x10;
export const FW_CFG_KERNEL_DATA = 0x11;
export const FW_CFG_INITRD_DATA = 0x12;
export const FW_CFG_CMDLINE_ADDR = 0x13;
export const FW_CFG_CMDLINE_SIZE = 0x14;
export const FW_CFG_CMDLINE_DATA = 0x15;
export const FW_CFG_FILE_DIR = 0x19;
/** Keys of named files start here. */
export const FW_CFG_FILE_FIRST = 0x20;
/** Upper bits of a key a guest may set (write channel, architecture-local): masked off. */
export const FW_CFG_KEY_MASK = 0x3fff;

/** The ID item's feature bits. */
export const FW_CFG_VERSION_TRADITIONAL = 1 << 0;
export const FW_CFG_VERSION_DMA = 1 << 1;

// ---- the DMA access descriptor: be32 control, be32 length, be64 address ----
export const FW_CFG_DMA_DESCRIPTOR_SIZE = 16;
export const FW_CFG_DMA_CTL_ERROR = 1 << 0;
export const FW_CFG_DMA_CTL_READ = 1 << 1;
export const FW_CFG_DMA_CTL_SKIP = 1 << 2;
export const FW_CFG_DMA_CTL_SELECT = 1 << 3;
export const FW_CFG_DMA_CTL_WRITE = 1 << 4;

// ---- the file directory: be32 count, then per file be32 size, be16 select, be16 reserved, name[56] ----
export const FW_CFG_MAX_FILE_PATH = 56;
export const FW_CFG_FILE_ENTRY_SIZE = 64;

// ---- the ACPI table loader ("etc/table-loader"): 128-byte little-endian commands ----
export const LOADER_ENTRY_SIZE = 128;
export const LOADER_ALLOCATE = 1;
export const LOADER_ADD_POINTER = 2;
export const LOADER_ADD_CHECKSUM = 3;
export const LOADER_WRITE_POINTER = 4;
/** ALLOCATE zones: anywhere (high memory), or the legacy F segment (x86; anywhere elsewhere). */
export const LOADER_ZONE_HIGH = 1;
export const LOADER_ZONE_FSEG = 2;

/** The names firmware looks for. */
export const FW_CFG_FILE = {
  acpiTables: "etc/acpi/tables",
  acpiRsdp: "etc/acpi/rsdp",
  tableLoader: "etc/table-loader",
  smbiosAnchor: "etc/smbios/smbios-anchor",
  smbiosTables: "etc/smbios/smbios-tables",
  bootOrder: "bootorder",
} as const;
