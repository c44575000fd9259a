import { BoardRuntime } from "@armature/board";
import { Bus, VirtualClock } from "@armature/core";
import { Cpu, M1_MODEL } from "@armature/cpu-aarch64";

/** RAM base and the test program's data word (tests only). */
export const RAM = 0x4000_0000;
export const DATA = RAM + 0x1000;

/**
 * A two-vCPU machine for the debugger tests: vCPU 0 runs
 *   0x00 mov x0, #0 / 0x04 add x0, x0, #1 / 0x08 str x0, [x1] / 0x0c b 0x04
 * with x1 = DATA; vCPU 1 stays off.
 */
export function loopMachine(): { rt: BoardRuntime; bus: Bus; cpus: Cpu[] } {
  const bus = new Bus();
  const ram = bus.addRam("ram", RAM, 0x10_0000);
  const prog = [0xd2800000, 0x91000400, 0xf9000020, 0x17fffffe];
  for (const [i, w] of prog.entries()) ram.view.setUint32(i * 4, w, true);
  const clock = new VirtualClock({ mode: "deterministic" });
  const cpus = [0, 1].map((index) => new Cpu({ bus, model: M1_MODEL, clock, index, engine: "interp" }));
  const rt = new BoardRuntime({ cpus, clock, mpidrs: [0, 1], isValidEntry: () => true });
  rt.boot({ pc: RAM, x: [0, DATA] });
  return { rt, bus, cpus };
}
