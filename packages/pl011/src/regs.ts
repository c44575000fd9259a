import { PRIMECELL_PCELL_ID } from "@armature/core";

// PrimeCell UART (PL011) Technical Reference Manual, ARM DDI 0183, section 3.2 (register summary).
/** The register window: one 4 KiB page (offsets 0x000-0xFFF, IDs at the top). */
export const PL011_SIZE = 0x1000;

export const UARTDR = 0x000;
export const UARTRSR_ECR = 0x004;
export const UARTFR = 0x018;
export const UARTILPR = 0x020;
export const UARTIBRD = 0x024;
export const UARTFBRD = 0x028;
export const UARTLCR_H = 0x02c;
export const UARTCR = 0x030;
export const UARTIFLS = 0x034;
export const UARTIMSC = 0x038;
export const UARTRIS = 0x03c;
export const UARTMIS = 0x040;
export const UARTICR = 0x044;
export const UARTDMACR = 0x048;
export const UARTPeriphID0 = 0xfe0;
export const UARTPCellID0 = 0xff0;

// UARTFR bits (3.3.3)
export const FR_BUSY = 1 << 3;
export const FR_RXFE = 1 << 4;
export const FR_TXFF = 1 << 5;
export const FR_RXFF = 1 << 6;
export const FR_TXFE = 1 << 7;

// UARTLCR_H (3.3.7)
export const LCRH_FEN = 1 << 4;

// UARTCR (3.3.8)
export const CR_UARTEN = 1 << 0;
export const CR_LBE = 1 << 7;
export const CR_TXE = 1 << 8;
export const CR_RXE = 1 << 9;

// Interrupt bits shared by IMSC/RIS/MIS/ICR (3.3.10-3.3.13)
export const INT_RX = 1 << 4;
export const INT_TX = 1 << 5;
export const INT_RT = 1 << 6;
export const INT_OE = 1 << 10;
export const INT_ALL = 0x7ff;

/** PeriphID0-3 (part 0x011, designer 0x41 'A', revision 1) and PCellID0-3 (3.3.14-3.3.15). */
export const PERIPH_ID = [0x11, 0x10, 0x14, 0x00] as const;
/** PCellID0-3, the same in every PrimeCell. */
export const PCELL_ID = PRIMECELL_PCELL_ID;
