import { type BlockBackend, ConfigError } from "@armature/core";

/** What an optical image holds, from its volume descriptors (ECMA-119 §8, ECMA-167 2/9.1). */
export type OpticalImageKind = "iso9660" | "udf";

const SECTOR = 2048;
const FIRST = 16;

/**
 * Inspect the volume recognition area (sectors 16..) of an image: an ISO 9660 Primary / any
 * volume descriptor ("CD001") or a UDF NSR descriptor ("NSR02"/"NSR03") makes it an optical
 * image. Returns undefined for anything else (a disk image, a truncated file).
 */
export function opticalImageKind(image: BlockBackend): OpticalImageKind | undefined {
  const b = new Uint8Array(SECTOR);
  let iso = false;
  for (let s = FIRST; s < FIRST + 32 && (s + 1) * SECTOR <= image.size; s++) {
    if (!image.read(s * SECTOR, b)) return undefined;
    const id = String.fromCharCode(b[1]!, b[2]!, b[3]!, b[4]!, b[5]!);
    if (id === "NSR02" || id === "NSR03") return "udf";
    if (id === "CD001") {
      iso = true;
      if (b[0] === 0xff) break; // volume descriptor set terminator
      continue;
    }
    if (id !== "BEA01" && id !== "TEA01" && id !== "BOOT2" && id !== "CDW02") break;
  }
  return iso ? "iso9660" : undefined;
}

/** Refuse an image that is not ISO 9660 / UDF with one clear line. */
export function checkOpticalImage(image: BlockBackend, name: string): OpticalImageKind {
  const k = opticalImageKind(image);
  if (k === undefined)
    throw new ConfigError(
      `${name} is not an ISO 9660 or UDF image (no CD001/NSR0x volume descriptor at sector 16); give a .iso file`,
    );
  return k;
}
