// One container's process tree on this machine, as a container runtime runs it: its entrypoint as
// PID 1 of a new PID namespace (`unshare --pid --fork --mount-proc`), so the kernel's rules for an
// init apply: a signal the process has no handler for is not delivered (a shell that stays the
// parent of the app ignores SIGTERM; so does a Node app without a handler), SIGKILL always is,
// and when PID 1 exits every other process of the namespace is killed (pid_namespaces(7)). Where
// PID namespaces are not available (unshare missing, no privilege), the entrypoint runs as a
// plain process leading its own process group, and the report says so: a shell parent then dies
// of SIGTERM without passing it on, where in a container it would ignore it.

import { ChildProcess, spawnSync } from 'child_process';
import { EventEmitter } from 'events';
import * as fs from 'fs';
import { Entrypoint } from './entrypoint';
import { killGroup, ProcessReaper } from './process-reaper';
import { findProgram } from './programs';

/** How a process exited. */
export interface ProcessExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** How the drill isolates a container's processes on this machine. */
export interface Isolation {
  /** `pid-namespace`: PID 1 of its own PID namespace, as in a container; `process`: a plain process group. */
  readonly kind: 'pid-namespace' | 'process';
  /** The command that wraps the entrypoint. */
  readonly prefix: string[];
  /** Why PID namespaces are not used, when they are not. */
  readonly reason?: string;
}

let isolation: Isolation | undefined;

/** PID namespaces if `unshare` can make one here (tried once per process), else plain process groups. */
export function containerIsolation(): Isolation {
  if (isolation) return isolation;
  const unshare = findProgram('unshare');
  if (!unshare) {
    isolation = { kind: 'process', prefix: [], reason: 'unshare is not installed (Debian: util-linux)' };
    return isolation;
  }
  // Root makes the namespace itself; a user maps itself to root in a user namespace first.
  const candidates = process.getuid?.() === 0 ? [['-fp', '--mount-proc']] : [['-rfp', '--mount-proc'], ['-fp', '--mount-proc']];
  let reason = '';
  for (const flags of candidates) {
    const prefix = [unshare, ...flags, '--kill-child'];
    const probe = spawnSync(prefix[0], [...prefix.slice(1), '/bin/sh', '-c', 'test $$ = 1'], { encoding: 'utf8', timeout: 5000 });
    if (probe.status === 0) {
      isolation = { kind: 'pid-namespace', prefix };
      return isolation;
    }
    reason = (probe.stderr || probe.error?.message || `exit ${probe.status}`).trim().split('\n')[0];
  }
  isolation = { kind: 'process', prefix: [], reason: `unshare cannot make a PID namespace here (${reason})` };
  return isolation;
}

/** Lines kept of what the process wrote (stdout and stderr). */
const TAIL_LINES = 20;
/** What unshare writes when its child was killed by SIGKILL: not the app's output. */
const UNSHARE_NOISE = /^unshare: sigprocmask unblock failed/;

/** Events: 'error' (Error) when it cannot start; 'exit' (ProcessExit) once its PID 1 has exited. */
export class ContainerProcess extends EventEmitter {
  /** The pid of the process the drill spawned (unshare, or the entrypoint itself). */
  public readonly pid?: number;
  private readonly child: ChildProcess;
  /** PID 1 is unshare's child, not the spawned process. */
  private readonly isolated: boolean;
  private readonly tail: string[] = [];
  private partial = '';
  private exited = false;

  constructor(reaper: ProcessReaper, entrypoint: Entrypoint, options: { cwd: string; env: NodeJS.ProcessEnv; isolation: Isolation }) {
    super();
    const argv = [...options.isolation.prefix, ...entrypoint.argv];
    this.isolated = options.isolation.kind === 'pid-namespace';
    this.child = reaper.spawn(argv[0], argv.slice(1), { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.pid = this.child.pid;
    const keep = (chunk: Buffer) => this.keep(chunk.toString());
    this.child.stdout?.on('data', keep);
    this.child.stderr?.on('data', keep);
    this.child.once('error', e => this.emit('error', e));
    this.child.once('exit', (code, signal) => {
      this.exited = true;
      this.emit('exit', { code, signal } satisfies ProcessExit);
    });
  }

  /** The last lines the container wrote (stdout and stderr). */
  public get output(): string {
    return [...this.tail, this.partial].filter(l => l !== '').join('\n');
  }

  public get alive(): boolean {
    return !this.exited;
  }

  /**
   * The host pid of the container's PID 1: unshare's child in a PID namespace (known once unshare
   * has forked it), else the spawned process.
   */
  public get mainPid(): number | undefined {
    if (this.pid === undefined || !this.isolated) return this.pid;
    try {
      const children = fs.readFileSync(`/proc/${this.pid}/task/${this.pid}/children`, 'utf8').trim().split(/\s+/).filter(s => s !== '');
      return children.length > 0 ? Number(children[0]) : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * The container runtime's stop signal goes to PID 1 only; the kernel delivers it only if PID 1
   * has a handler for it (an init ignores the rest). Unshare may not have forked PID 1 yet at the
   * very start: the signal then follows as soon as it has.
   */
  public signal(signal: NodeJS.Signals, attempts = 50): void {
    if (this.exited) return;
    const pid = this.mainPid;
    if (pid === undefined) {
      if (attempts > 0) setTimeout(() => this.signal(signal, attempts - 1), 10).unref();
      return;
    }
    try {
      process.kill(pid, signal);
    } catch {
      // Gone between the check and the signal.
    }
  }

  /** SIGKILL to the whole tree, as a container's cgroup is killed. */
  public kill(): void {
    if (this.pid !== undefined) killGroup(this.pid);
  }

  private keep(text: string): void {
    const lines = (this.partial + text).split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) {
      if (UNSHARE_NOISE.test(line)) continue;
      this.tail.push(line);
      if (this.tail.length > TAIL_LINES) this.tail.shift();
    }
    if (this.partial.length > 2000) this.partial = this.partial.slice(-2000);
  }
}
