import { linuxEndToEnd } from "./linux.e2e.js";

// The qemu layout boots through the built-in UEFI with ACPI (the vz layout boots the kernel directly).
linuxEndToEnd("qemu", { uefi: { acpi: true } });
