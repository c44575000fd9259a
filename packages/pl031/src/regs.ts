import { PRIMECELL_PCELL_ID } from "@armature/core";

/** The register window: one 4 KiB page (IDs at 0xFE0-0xFFF). */
export const PL031_SIZE = 0x1000;

// PrimeCell Real Time Clock (PL031) TRM, ARM DDI 0224, section 3.2 (register summary).
export const RTCDR = 0x00;
export const RTCMR = 0x04;
export const RTCLR = 0x08;
export const RTCCR = 0x0c;
export const RTCIMSC = 0x10;
export const RTCRIS = 0x14;
export const RTCMIS = 0x18;
export const RTCICR = 0x1c;
export const PERIPH_ID = [0x31, 0x10, 0x14, 0x00] as const; // part 0x031, designer 'A', revision 1
/** PCellID0-3, the same in every PrimeCell. */
export const PCELL_ID = PRIMECELL_PCELL_ID;
