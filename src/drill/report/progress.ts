// A long drill's progress on a terminal: one live line (phase, pods, requests, failures) that the
// CLI rewrites in place with \r, a few times a second at most, and only when its output is a
// terminal. The line is a pure function of a snapshot; the snapshot is read from the running drill.

/** What the drill is doing, and its numbers so far. */
export interface DrillProgress {
  /** `starting pods`, `warm-up`, the scenario's name, `settling`, `stopping`. */
  readonly phase: string;
  /** Seconds since the drill started (real time). */
  readonly seconds: number;
  /** Pods with a container running and not terminating, of which ready. */
  readonly running: number;
  readonly ready: number;
  readonly terminating: number;
  /** Requests sent so far, and those that failed so far (a refused or reset connection, a timeout, a 5xx). */
  readonly requests: number;
  readonly failures: number;
}

/** The live line: `graceful-drill [rollout 12.3s] pods 3 running (3 ready), 1 terminating | requests 2,400 | failures 0`. */
export function formatProgress(p: DrillProgress, columns = 120): string {
  const n = (v: number) => v.toLocaleString('en-US');
  const line = `graceful-drill [${p.phase} ${p.seconds.toFixed(1)}s] pods ${p.running} running (${p.ready} ready), ${p.terminating} terminating`
    + ` | requests ${n(p.requests)} | failures ${n(p.failures)}`;
  // One character short of the width: a line that fills it wraps on some terminals, and \r then rewrites only its last part.
  // A terminal that does not tell its width (0, as a bare pty says) gets 120.
  const width = Math.max(20, (columns > 0 ? columns : 120) - 1);
  return line.length > width ? line.slice(0, width - 1) + '…' : line;
}

/** Where the live line goes: a terminal's stream, or nothing. */
export interface ProgressTerminal {
  readonly isTTY: boolean;
  readonly columns?: number;
  readonly write: (text: string) => void;
}

/**
 * The live line on a terminal: `update` rewrites it (at most every `minIntervalMs`, except when
 * the phase changes), `clear` erases it before other output. Off a terminal it writes nothing.
 */
export class ProgressLine {
  private lastAt = -Infinity;
  private lastPhase?: string;
  private shown = false;

  constructor(private readonly terminal: ProgressTerminal, private readonly minIntervalMs = 250, private readonly now = () => Date.now()) {}

  public update(p: DrillProgress): void {
    if (!this.terminal.isTTY) return;
    const now = this.now();
    if (p.phase === this.lastPhase && now - this.lastAt < this.minIntervalMs) return;
    this.lastAt = now;
    this.lastPhase = p.phase;
    // \r back to the line's start, the line, then erase what a longer previous line left.
    this.terminal.write(`\r${formatProgress(p, this.terminal.columns)}\u001b[K`);
    this.shown = true;
  }

  public clear(): void {
    if (!this.shown) return;
    this.terminal.write('\r\u001b[K');
    this.shown = false;
  }
}
