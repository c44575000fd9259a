import {
  CORTEX_A72_MODEL,
  CPU_ENGINES,
  type CpuEngine,
  type CpuModel,
  M1_MODEL,
  M1_QARMA5_MODEL,
  UserProcess,
} from "@armature/cpu-aarch64";
import { parseArgs } from "../args.js";
import { type CliIo, CliUsageError, type Command } from "../command.js";
import { SUMMARY } from "./summaries.js";

const MODELS: Record<string, CpuModel> = {
  m1: M1_MODEL,
  "m1-qarma5": M1_QARMA5_MODEL,
  "cortex-a72": CORTEX_A72_MODEL,
};

const HELP = `Usage: armature user [--model m1|m1-qarma5|cortex-a72] [--cpu-engine interp|jit] ELF [args...]

Runs a static AArch64 Linux program in user mode (like qemu-aarch64): the program's stdin, stdout,
stderr, working directory and environment are the host's; its exit status becomes ours (128 + signal
number when it dies of a fault). Dynamically linked programs are refused: build with -static.

  --model NAME            the CPU's feature set (default m1)
  --cpu-engine interp|jit the interpreter or the dynamic translator (same results; default:
                          ARMATURE_CPU_ENGINE when set, else jit)
`;

export const userCommand: Command = {
  name: "user",
  summary: SUMMARY.user,
  async run(args: string[], io: CliIo): Promise<number> {
    const {
      options: a,
      help,
      rest,
    } = parseArgs(
      args,
      {
        "--model": { value: true, choices: Object.keys(MODELS) },
        "--cpu-engine": { value: true, choices: CPU_ENGINES },
      },
      { positional: "stop" },
    );
    if (help) {
      io.out(HELP);
      return 0;
    }
    const model = MODELS[a["--model"] ?? "m1"]!;
    const elf = rest[0];
    if (elf === undefined) throw new CliUsageError("armature user needs an ELF file (armature user --help)");
    const engine = a["--cpu-engine"] as CpuEngine | undefined;
    const proc = new UserProcess(elf, {
      argv: rest,
      env: process.env,
      model,
      ...(engine === undefined ? {} : { engine }),
    });
    return proc.run();
  },
};
