// Every process the drill starts (apps, exec probes, exec hooks) runs in its own process group
// and is killed with its whole tree: when its main process exits (as a container's processes
// die with PID 1), when the drill ends or is interrupted, and, if the drill itself is killed
// with SIGKILL, by a watchdog that notices its pipe from the drill close.

import { ChildProcess, spawn, SpawnOptions } from 'child_process';

/**
 * The watchdog: reads "+<pgid>" and "-<pgid>" lines; when its stdin closes (the drill ended,
 * or died), it SIGKILLs every group still registered and exits.
 */
const WATCHDOG = `
const groups = new Set();
let buffer = '';
const reap = () => { for (const g of groups) { try { process.kill(-g, 'SIGKILL'); } catch {} } process.exit(0); };
process.stdin.on('data', d => {
  buffer += d;
  let i;
  while ((i = buffer.indexOf('\\n')) >= 0) {
    const line = buffer.slice(0, i); buffer = buffer.slice(i + 1);
    const g = Number(line.slice(1));
    if (line[0] === '+') groups.add(g); else groups.delete(g);
  }
});
process.stdin.on('end', reap);
process.stdin.on('error', reap);
for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(s, () => undefined);
`;

/** SIGKILL to a whole process group; a group that is already gone is fine. */
export function killGroup(pgid: number, signal: NodeJS.Signals = 'SIGKILL'): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // ESRCH: nothing left in the group.
  }
}

export class ProcessReaper {
  private readonly groups = new Set<number>();
  private watchdog?: ChildProcess;
  private closed = false;
  private readonly onExit: () => void;

  constructor() {
    // Last resort for an exit the drill did not plan (an uncaught error): kill synchronously.
    this.onExit = () => this.killAll();
    process.on('exit', this.onExit);
  }

  /** Process groups still alive (or not yet reaped). */
  public get liveGroups(): number[] {
    return [...this.groups];
  }

  /**
   * Spawns a process as the leader of a new process group. When its main process exits, the
   * rest of its group is killed.
   */
  public spawn(command: string, args: string[], options: SpawnOptions): ChildProcess {
    if (this.closed) {
      throw new Error('the drill has ended; no process may start');
    }
    const child = spawn(command, args, { ...options, detached: true });
    const pgid = child.pid;
    if (pgid !== undefined) {
      this.groups.add(pgid);
      this.tell(`+${pgid}`);
      child.once('exit', () => {
        killGroup(pgid);
        this.groups.delete(pgid);
        this.tell(`-${pgid}`);
      });
    }
    return child;
  }

  /** SIGKILL every group. */
  public killAll(): void {
    for (const pgid of this.groups) killGroup(pgid);
  }

  /** Kills everything and stops the watchdog. */
  public close(): void {
    this.killAll();
    this.closed = true;
    process.removeListener('exit', this.onExit);
    this.watchdog?.stdin?.end();
    this.watchdog = undefined;
  }

  private tell(line: string): void {
    if (this.closed) return;
    if (!this.watchdog) {
      this.watchdog = spawn(process.execPath, ['-e', WATCHDOG], { stdio: ['pipe', 'ignore', 'ignore'], detached: true });
      this.watchdog.on('error', () => undefined);
      this.watchdog.stdin?.on('error', () => undefined);
      // Neither the watchdog nor its pipe may keep the drill's process alive.
      this.watchdog.unref();
      (this.watchdog.stdin as any)?.unref?.();
    }
    this.watchdog.stdin?.write(`${line}\n`);
  }
}
