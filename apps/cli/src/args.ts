import { checkInstructionBudget } from "@armature/board";
import { type CliIo, CliUsageError, type Command } from "./command.js";

/** One option of a command: `--name` alone (a flag) or `--name VALUE`. */
export interface OptionSpec {
  /** Takes a value (the next argument). */
  value?: boolean;
  /** The values it accepts (checked here, named in the error). */
  choices?: readonly string[];
  /** A short form, e.g. "-o". */
  alias?: string;
  /** May be given several times (with `value`): every value is kept, in order. */
  repeat?: boolean;
  /**
   * With `value` and `choices`: the value may be left out. The next argument is the option's
   * value only when it is one of `choices`; alone the option gives true (`--acpi` = `--acpi on`).
   */
  optional?: boolean;
}

export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

export interface ParsedArgs<S extends OptionSpecs> {
  /**
   * Each option given: its value, or true for a flag (the last one wins when repeated), or every
   * value in order for a `repeat` option.
   */
  readonly options: {
    [K in keyof S]?: S[K]["repeat"] extends true
      ? string[]
      : S[K]["optional"] extends true
        ? string | true
        : S[K]["value"] extends true
          ? string
          : true;
  };
  /** `-h` / `--help` was given. */
  readonly help: boolean;
  /** Arguments after the options (only when `positional` allows them). */
  readonly rest: string[];
}

/**
 * The one argument parser of every `armature` command. Options are `--name` or `--name VALUE`
 * (a value may not start with `--`); unknown options, missing values and values outside
 * `choices` are usage errors. With `positional: "stop"`, the first non-option argument and all
 * after it are returned in `rest` (`armature user ELF args...`).
 */
export function parseArgs<S extends OptionSpecs>(
  args: readonly string[],
  spec: S,
  o: { positional?: "none" | "stop" } = {},
): ParsedArgs<S> {
  const byName = new Map<string, string>();
  for (const [name, s] of Object.entries(spec)) {
    byName.set(name, name);
    if (s.alias !== undefined) byName.set(s.alias, name);
  }
  const options: Record<string, string | string[] | true> = {};
  let help = false;
  let i = 0;
  for (; i < args.length; i++) {
    const a = args[i]!;
    if (a === "-h" || a === "--help") {
      help = true;
      continue;
    }
    const name = byName.get(a);
    if (name === undefined) {
      if (o.positional === "stop" && !a.startsWith("-")) break;
      throw new CliUsageError(`unknown option "${a}"`);
    }
    const s = spec[name]!;
    if (!s.value) {
      options[name] = true;
      continue;
    }
    if (s.optional && !(s.choices ?? []).includes(args[i + 1] ?? "")) {
      options[name] = true;
      continue;
    }
    const v = args[++i];
    if (v === undefined || v.startsWith("--")) throw new CliUsageError(`${a} needs a value`);
    if (s.choices !== undefined && !s.choices.includes(v))
      throw new CliUsageError(`unknown ${name} "${v}" (known: ${s.choices.join(", ")})`);
    if (s.repeat) {
      const prev = options[name];
      options[name] = Array.isArray(prev) ? [...prev, v] : [v];
    } else options[name] = v;
  }
  return { options: options as ParsedArgs<S>["options"], help, rest: args.slice(i) };
}

/**
 * A command whose arguments are options after `spec`: it parses them and answers `-h` / `--help`
 * with `help`, so that `run` starts from the parsed options.
 */
export function optionCommand<S extends OptionSpecs>(c: {
  name: string;
  summary: string;
  options: S;
  help: string;
  run(options: ParsedArgs<S>["options"], io: CliIo): Promise<number>;
}): Command {
  return {
    name: c.name,
    summary: c.summary,
    async run(args, io) {
      const { options, help } = parseArgs(args, c.options);
      if (help) {
        io.out(c.help);
        return 0;
      }
      return c.run(options, io);
    },
  };
}

/** An integer option value (ranges are the library's to check). */
export function intArg(v: string, opt: string): number {
  const n = Number(v);
  if (v.trim() === "" || !Number.isSafeInteger(n))
    throw new CliUsageError(`${opt} must be an integer, not "${v}"`);
  return n;
}

/**
 * `--max-instructions N`: an integer (a usage error otherwise) in the range the board accepts
 * (its ConfigError otherwise), checked before any machine is built.
 */
export function maxInstructionsArg(v: string): number {
  const n = intArg(v, "--max-instructions");
  checkInstructionBudget(n);
  return n;
}

/** An address option value (decimal or 0x hex) as a bigint. */
export function addressArg(v: string, opt: string, example: string): bigint {
  try {
    return BigInt(v);
  } catch {
    throw new CliUsageError(`${opt} "${v}" is not a number (use e.g. ${example})`);
  }
}

/**
 * `FILE[,ro]` (disks, CD images): the path and its read-only flag; with `bootIndex`, also
 * `,bootindex=N` (the firmware's boot order, as QEMU spells it).
 */
export function fileArg(
  v: string,
  opt: string,
  o: { bootIndex?: boolean } = {},
): { path: string; readOnly: boolean; bootIndex?: number } {
  const [path, ...flags] = v.split(",");
  const known = o.bootIndex ? "ro, bootindex=N" : "ro";
  let bootIndex: number | undefined;
  for (const f of flags) {
    if (f === "ro") continue;
    if (o.bootIndex && f.startsWith("bootindex=")) {
      bootIndex = intArg(f.slice("bootindex=".length), `${opt} bootindex`);
      if (bootIndex < 0) throw new CliUsageError(`${opt} bootindex must be 0 or more, not ${bootIndex}`);
      continue;
    }
    throw new CliUsageError(`unknown ${opt} flag "${f}" (known: ${known})`);
  }
  if (!path)
    throw new CliUsageError(`${opt} needs a file name (${opt} FILE[,${known.replace(", ", "][,")}])`);
  return { path, readOnly: flags.includes("ro"), ...(bootIndex === undefined ? {} : { bootIndex }) };
}
