import { describe, expect, it } from "vitest";
import { GuestShell, ScriptedConsole, SHELL_MARKER } from "./guest-shell.js";

/** A stand-in for a guest's shell: echoes what is typed, runs `echo` lines, prints a prompt. */
function fakeGuest(opts: { answerAfterMs?: number } = {}) {
  const con = new ScriptedConsole();
  const say = (s: string) => con.write(new TextEncoder().encode(s));
  let stop: (r: string) => void = () => {};
  const stopped = new Promise<string>((r) => {
    stop = r;
  });
  const type = (bytes: Uint8Array) => {
    const line = new TextDecoder().decode(bytes);
    say(line.replace(/\n/g, "\r\n")); // the tty's echo
    const out = line
      .trim()
      .split(";")
      .map((c) => c.trim())
      .map((c) => (c.startsWith("echo ") ? `${c.slice(5).replace(/"/g, "")}\r\n` : `ran ${c}\r\n`))
      .join("");
    setTimeout(() => say(`${out}/ # `), opts.answerAfterMs ?? 1);
  };
  return { con, say, type, stopped, stop };
}

describe("GuestShell", () => {
  it("returns exactly what a command printed, without the echo of the command line", async () => {
    const g = fakeGuest();
    const shell = new GuestShell(g.con, g.type, g.stopped);
    g.say(`boot log\r\n${SHELL_MARKER}\r\n/ # `);
    expect(await shell.ready(1000)).toBe(g.con.output.indexOf(SHELL_MARKER));
    expect(await shell.sh("uname -r")).toBe("ran uname -r\n");
    expect(await shell.sh("echo hello")).toBe("hello\n");
  });

  it("rejects with the last output when the guest does not answer in time", async () => {
    const g = fakeGuest({ answerAfterMs: 200 });
    const shell = new GuestShell(g.con, g.type, g.stopped);
    g.say("/ # ");
    await expect(shell.sh("sleep 1", 20)).rejects.toThrow(/sleep 1: nothing after 0.02 s[\s\S]*last output/);
  });

  it("rejects when the machine stops first, but not if the awaited text came on the way down", async () => {
    const g = fakeGuest();
    const shell = new GuestShell(g.con, g.type, g.stopped);
    const w = shell.wait(/never/, 0, 5000, "something");
    g.stop("powered off");
    await expect(w).rejects.toThrow(/something: the machine stopped \(powered off\)/);
    expect(shell.stop).toBe("powered off");
    g.say("reboot: Power down\r\n");
    await expect(shell.wait(/Power down/, 0, 5000, "poweroff")).resolves.toBe("Power down");
  });
});
