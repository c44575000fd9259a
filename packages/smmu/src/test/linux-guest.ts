/**
 * Guest-side checks for Linux running with this SMMU in front of its PCI devices, for an e2e test
 * that already has a shell (`sh` types a command and returns its output, as machine-virt's
 * bootLinux session does). Returns what it found and a list of problems (empty = all good).
 */

export interface SmmuGuestReport {
  /** The probe line, e.g. "arm-smmu-v3 9050000.smmuv3: ias 48-bit, oas 48-bit (features 0x000817c7)". */
  probeLine: string | undefined;
  /** arm-smmu-v3 dmesg lines reporting errors, timeouts, CMDQ/GERROR trouble or received events. */
  errorLines: string[];
  /** Entries of /sys/class/iommu. */
  iommus: string[];
  /** PCI devices in IOMMU groups (from /sys/kernel/iommu_groups/N/devices). */
  groupedDevices: string[];
  /** Virtio PCI devices (vendor 0x1af4) that are not in any group. */
  ungroupedVirtio: string[];
  problems: string[];
}

export async function smmuGuestChecks(sh: (command: string) => Promise<string>): Promise<SmmuGuestReport> {
  const lines = (s: string): string[] =>
    s
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l.length > 0);
  const dmesg = lines(await sh("dmesg | grep -i 'smmu'"));
  const probeLine = dmesg.find((l) =>
    /arm-smmu-v3 .*: ias \d+-bit, oas \d+-bit \(features 0x[0-9a-f]+\)/.test(l),
  );
  const errorLines = dmesg.filter(
    (l) =>
      /arm-smmu-v3/.test(l) &&
      /error|fail|timeout|event 0x|unexpected|not responding|skipping command|abort/i.test(l),
  );
  const iommus = lines(await sh("ls /sys/class/iommu 2>/dev/null"));
  const groupedDevices = lines(
    await sh("ls /sys/kernel/iommu_groups/*/devices 2>/dev/null | grep -v ':$' | grep -v '^/'"),
  );
  const virtio = lines(
    await sh(
      'for d in /sys/bus/pci/devices/*; do [ -e "$d/vendor" ] && [ "$(cat $d/vendor)" = 0x1af4 ] && basename $d; done',
    ),
  );
  const ungroupedVirtio = virtio.filter((d) => !groupedDevices.includes(d));
  const problems: string[] = [];
  if (probeLine === undefined)
    problems.push("no 'arm-smmu-v3 ...: ias ..., oas ... (features ...)' line in dmesg");
  if (errorLines.length > 0) problems.push(`arm-smmu-v3 errors: ${errorLines.join(" | ")}`);
  if (iommus.length === 0) problems.push("/sys/class/iommu is empty");
  if (virtio.length === 0) problems.push("no virtio PCI devices found");
  if (ungroupedVirtio.length > 0)
    problems.push(`virtio devices outside IOMMU groups: ${ungroupedVirtio.join(", ")}`);
  return { probeLine, errorLines, iommus, groupedDevices, ungroupedVirtio, problems };
}
