/** Host side of a board's console: guest output goes to `write`; the board's `input()` types. */
export interface ConsoleSink {
  write(bytes: Uint8Array): void;
}

/** A byte-at-a-time serial backend (a UART model's transmit side). */
export interface SerialSink {
  write(byte: number): void;
}

/** A console device that both prints and receives (structurally virtio's ConsoleBackend). */
export interface StreamConsole {
  write(bytes: Uint8Array): void;
  onInput(handler: (bytes: Uint8Array) => void): void;
}

/**
 * One console for the whole board: every console device prints to the same sink, and what the
 * host types goes to the device the kernel command line names last in `console=` (Linux's
 * /dev/console), matched by tty prefix (`ttyAMA`, `hvc`, `ttyS`).
 */
export class BoardConsole {
  private readonly inputs: { tty: string; receive: (bytes: Uint8Array) => void }[] = [];
  private target: ((bytes: Uint8Array) => void) | undefined;

  /** `sink` absent: the host's standard output. */
  constructor(readonly sink: ConsoleSink = { write: (b) => process.stdout.write(b) }) {}

  /** A UART's transmit side: one byte per call, copied out to the sink. */
  serial(tty: string, receive: (bytes: Uint8Array) => void): SerialSink {
    this.inputs.push({ tty, receive });
    const one = new Uint8Array(1);
    return {
      write: (b: number) => {
        one[0] = b;
        this.sink.write(one.slice());
      },
    };
  }

  /** A stream console (virtio-console's port 0 as `hvc`): output to the sink, input when routed. */
  stream(tty: string): StreamConsole {
    let handler: ((bytes: Uint8Array) => void) | undefined;
    this.inputs.push({ tty, receive: (b) => handler?.(b) });
    return {
      write: (bytes) => this.sink.write(bytes),
      onInput: (h) => {
        handler = h;
      },
    };
  }

  /**
   * Route input to the tty `console=` names last in `cmdline`; when none matches, to the first
   * stream console registered after the serial ones, else the first registered.
   */
  route(cmdline: string): void {
    const last = lastConsole(cmdline);
    const hit = this.inputs.find((i) => last.startsWith(i.tty));
    this.target = (hit ?? this.inputs.find((i) => i.tty === "hvc") ?? this.inputs[0])?.receive;
  }

  /** Type into the routed console. */
  input(bytes: Uint8Array): void {
    this.target?.(bytes);
  }
}

/** The value of the last `console=` in a kernel command line ("" when there is none). */
export function lastConsole(cmdline: string): string {
  let last = "";
  for (const m of cmdline.matchAll(/(?:^|\s)console=(\S+)/g)) last = m[1] ?? "";
  return last;
}
