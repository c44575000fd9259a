import { ArmatureError } from "@armature/core";

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

/** A subcommand: `armature <name> ...args`. `run` returns the exit status. */
export interface Command {
  name: string;
  summary: string;
  run(args: string[], io: CliIo): Promise<number>;
}

/** A mistake in how the command was called; printed with a hint, exit status 2. */
export class CliUsageError extends ArmatureError {
  constructor(message: string) {
    super("E_USAGE", message);
  }
}
