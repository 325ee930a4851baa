// One container's app: the user's command as a local process (through `sh -c "exec …"`, so
// signals reach the app itself), in its own process group.

import { ChildProcess } from 'child_process';
import { EventEmitter } from 'events';
import { killGroup, ProcessReaper } from './process-reaper';

/** How a container's process ended. */
export interface AppExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** Events: 'exit' (AppExit) once the main process has exited. */
export class AppProcess extends EventEmitter {
  public readonly pid?: number;
  private readonly child: ChildProcess;
  private readonly stderrTail: string[] = [];
  private exited = false;

  constructor(reaper: ProcessReaper, command: string, options: { cwd: string; env: NodeJS.ProcessEnv }) {
    super();
    this.child = reaper.spawn('/bin/sh', ['-c', `exec ${command}`], { cwd: options.cwd, env: options.env, stdio: ['ignore', 'ignore', 'pipe'] });
    this.pid = this.child.pid;
    this.child.stderr?.on('data', (chunk: Buffer) => {
      this.stderrTail.push(chunk.toString());
      if (this.stderrTail.length > 20) this.stderrTail.shift();
    });
    this.child.once('error', e => this.emit('error', e));
    this.child.once('exit', (code, signal) => {
      this.exited = true;
      this.emit('exit', { code, signal } satisfies AppExit);
    });
  }

  /** The last lines the app wrote to stderr. */
  public get stderr(): string {
    return this.stderrTail.join('');
  }

  public get alive(): boolean {
    return !this.exited;
  }

  /** The container runtime's stop signal goes to the main process only (PID 1 of the container). */
  public signal(signal: NodeJS.Signals): void {
    if (!this.exited) this.child.kill(signal);
  }

  /** SIGKILL to the whole tree, as a container's cgroup is killed. */
  public kill(): void {
    if (this.pid !== undefined) killGroup(this.pid);
  }
}
