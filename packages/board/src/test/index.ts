import type { ConsoleSink } from "../console.js";

/** A console sink that keeps everything the guest printed, as latin1 text. */
export class CapturingConsole implements ConsoleSink {
  text = "";
  write(bytes: Uint8Array): void {
    this.text += Buffer.from(bytes).toString("latin1");
  }
}

export { GuestShell, ScriptedConsole, SHELL_MARKER } from "./guest-shell.js";
