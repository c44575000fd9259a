// CRC-32 as UEFI uses it for table headers and CalculateCrc32 (IEEE 802.3: the same CRC as
// zlib's crc32()): the one in @armature/core.
export { crc32 } from "@armature/core";
