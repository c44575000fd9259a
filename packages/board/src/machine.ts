import {
  type RamRegion,
  ramSnapshot,
  type SnapshotHeader,
  type SnapshotSection,
  type Snapshottable,
  type VirtualClock,
} from "@armature/core";
import type { BoardConsole } from "./console.js";
import type { BoardRuntime, MachineStop } from "./runtime.js";
import { BoardSnapshots } from "./snapshot.js";

/**
 * What every board's machine does the same way over its run loop (`runtime`) and console: input,
 * stop, the retired count, an idempotent close(), and the snapshot entry points over the board's
 * own snapshotHeader() and snapshotSections(). A board builds its parts, runs (`run()`, with its
 * own rule for when a stop closes the machine) and says what it saves.
 */
export abstract class BoardMachine {
  abstract readonly clock: VirtualClock;
  /** All of the board's RAM, lowest first: `ram` and the regions right after it (Bus.addRamParts). */
  abstract readonly ramParts: readonly RamRegion[];
  /** The board's first (lowest) RAM region: where a loader puts the kernel, initrd and DTB. */
  get ram(): RamRegion {
    return this.ramParts[0]!;
  }
  /** Whether [addr, addr+len) lies wholly in one of the board's RAM regions. */
  protected inRam(addr: number, len: number): boolean {
    return this.ramParts.some((r) => r.contains(addr, len));
  }
  abstract readonly cpus: readonly Snapshottable[];
  abstract readonly gic: Snapshottable;
  abstract readonly runtime: BoardRuntime;
  protected abstract readonly console: BoardConsole;
  protected readonly snapshots = new BoardSnapshots(
    () => this.snapshotHeader(),
    () => this.snapshotSections(),
  );
  private closed = false;

  /** What a snapshot of this machine must match: the board and its configuration. */
  abstract snapshotHeader(): SnapshotHeader;
  /** The machine's state as named sections, in restore order. */
  abstract snapshotSections(): SnapshotSection[];
  /** Release the host resources the board opened (close() calls it once). */
  protected abstract releaseHost(): void;

  /**
   * The sections every board's snapshot starts with, in restore order: the clock first (its
   * restore empties the timer queue the others re-arm), the run loop and PSCI, RAM, each vCPU,
   * the GIC.
   */
  protected coreSections(): SnapshotSection[] {
    return [
      { name: "clock", part: this.clock },
      { name: "board", part: this.runtime },
      { name: "ram", part: ramSnapshot(this.ramParts) },
      ...this.cpus.map((cpu, i) => ({ name: `cpu${i}`, part: cpu })),
      { name: "gic", part: this.gic },
    ];
  }

  /** Type into the console (the tty the guest reads its console from). */
  input(bytes: Uint8Array): void {
    this.console.input(bytes);
    this.runtime.wake();
  }

  /** Stop the run loop at the next opportunity. */
  stop(reason: MachineStop = "halted"): void {
    this.runtime.stop(reason);
  }

  /** Instructions retired by all vCPUs. */
  retired(): number {
    return this.runtime.retired();
  }

  /** Release host resources the board opened (the network backend's sockets ...). Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.releaseHost();
  }

  /**
   * Save the machine's state to `path` (between `run()` calls, or while paused). Disks are not
   * copied: their identity is. A part that cannot be saved yet is SnapshotError("unsupported").
   * Returns the file's size in bytes.
   */
  saveSnapshot(path: string): number {
    return this.snapshots.save(path);
  }

  /**
   * Restore a snapshot saved by a machine built with the same options (before `run()`, or while
   * paused). All or nothing: a file of another version, board or configuration, a truncated or
   * corrupt file, or a changed disk or medium (unless `force`) throws SnapshotError and changes
   * nothing.
   */
  restoreSnapshot(path: string, opts: { force?: boolean } = {}): void {
    this.snapshots.restore(path, opts);
  }

  /** SHA-256 (hex) of the whole machine state (what a snapshot would hold). */
  stateHash(): string {
    return this.snapshots.hash();
  }
}
