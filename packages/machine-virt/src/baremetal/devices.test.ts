import { vi } from "vitest";
import { describeBareMetal } from "./suite.js";

// Runs under QEMU and on a loaded 2-core CI machine: allow more than the default 5 s.
vi.setConfig({ testTimeout: 30_000 });

const TYPED = "ab1 q";
const UART_EXPECTED = ["uart rx", "ready", "<a><b><1>< ><q>", "uart intid ok", "bytes ok", "done", ""].join(
  "\n",
);

const RTC_EXPECTED = [
  "rtc",
  "rtcdr plausible ok",
  "periph id0 ok",
  "rtc intid ok",
  "rtcmis in handler ok",
  "rtcdr reached match ok",
  "rtcris cleared ok",
  "done",
  "",
].join("\n");

describeBareMetal("bare-metal PL011", {
  program: "uart",
  checks: "typed bytes raise the PL011 RX SPI (INTID 33) and the guest echoes them",
  expected: UART_EXPECTED,
  board: { typed: TYPED },
  qemu: {
    title: "prints the same verdicts under qemu-system-aarch64 -M virt,gic-version=3",
    options: { input: TYPED },
  },
});

describeBareMetal("bare-metal PL031", {
  program: "rtc",
  checks: "the PL031 counts seconds and raises its match interrupt (INTID 34)",
  expected: RTC_EXPECTED,
  qemu: { title: "prints the same verdicts under qemu-system-aarch64 -M virt,gic-version=3" },
});
