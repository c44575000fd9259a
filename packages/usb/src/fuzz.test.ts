import { describe, expect, it } from "vitest";
import { fuzzXhci } from "./test/fuzz.js";

// A fresh seed every run (printed); USB_FUZZ_SEED replays one, USB_FUZZ_CASES runs longer.
const SEED =
  process.env.USB_FUZZ_SEED !== undefined
    ? Number(process.env.USB_FUZZ_SEED)
    : (Math.random() * 2 ** 32) >>> 0;
const CASES = Number(process.env.USB_FUZZ_CASES ?? 10_000);

describe("xHCI fuzz", () => {
  it(
    `${CASES} random command/transfer rings, contexts and register writes: no host exception`,
    () => {
      console.log(`usb fuzz: seed ${SEED} (replay: USB_FUZZ_SEED=${SEED}), ${CASES} cases`);
      const rep = fuzzXhci(SEED, CASES);
      console.log(
        `usb fuzz: ${rep.cases} cases, ${rep.commands} commands, ${rep.transfers} TDs, ${rep.events} events, ` +
          `${rep.hostSystemErrors} Host System Errors, ${rep.hostExceptions} host exceptions`,
      );
      expect(rep.firstFailure, `seed ${SEED}`).toBeUndefined();
      expect(rep.hostExceptions).toBe(0);
      // The fuzz must reach the command and transfer paths, not just bounce off.
      expect(rep.commands).toBeGreaterThan(CASES);
      expect(rep.transfers).toBeGreaterThan(CASES / 10);
    },
    Math.max(300_000, CASES * 10),
  );
});
