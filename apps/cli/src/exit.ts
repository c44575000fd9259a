/** The exit statuses of every `armature` command (also in `armature --help` and the README). */
export const EXIT = {
  /** The command did its job; for `run`, the guest powered off (or Ctrl-A x). */
  ok: 0,
  /** An error: a file, a value out of range, a kernel that cannot boot (the message says which). */
  error: 1,
  /** A usage error: an unknown option, a missing or malformed value. */
  usage: 2,
  /** `run --max-instructions N`: the budget ran out. */
  budget: 3,
  /** `run`: the guest is stuck in an exception loop (no working exception vectors). */
  stuck: 4,
  /** A bug in armature (please report it). */
  internal: 70,
  /** `run` stopped by SIGHUP (128 + 1) or SIGTERM (128 + 15); SIGINT reaches the guest on a TTY. */
  sighup: 129,
  sigterm: 143,
} as const;

/** Where bugs are reported. */
export const BUGS = "https://github.com/armature-vm/armature/issues";

/** The exit statuses as `--help` lists them. */
export const EXIT_HELP = `Exit status: 0 success (run: the guest powered off), 1 error, 2 usage error,
  3 instruction limit reached (run --max-instructions), 4 the guest is stuck in an exception
  loop (run: e.g. a kernel that is not one; the message says which exception), 129/143 stopped by SIGHUP/SIGTERM
  (run: the terminal is restored first), 70 internal error (a bug; ARMATURE_DEBUG=1 shows the stack).
`;
