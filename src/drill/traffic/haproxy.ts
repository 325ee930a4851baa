// A real reverse proxy in front of the pods, as an ingress controller or a gateway is: HAProxy
// (Debian's haproxy), in HTTP mode with keep-alive on both sides, choosing a server for every
// request. Its servers follow the drill's endpoints through the runtime API, each change after
// its propagation lag, the way the HAProxy Kubernetes ingress controller updates a running
// HAProxy: a pod whose endpoint turns ready gets a server slot (`set server … addr`, `state
// ready`); one that turns not ready, or leaves the slice, is put in maintenance (`state maint`):
// no new request goes to it, requests in flight finish. Like ingress-nginx (spec 5.2) it routes
// only to ready endpoints. No reload: the proxy's own connections are never in question, so every
// failure is the pods'. Each request is logged with its `x-drill-id`, its server, status,
// termination state and retries, which is how the report finds its pod and what went wrong.

import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import { DataPlane, EndpointState, FailureClass, LaggedEndpoints, ProxyUpdate, RequestRoute, SentRequest } from './data-plane';
import { freePort, tcpConnect } from './loopback';
import { ProcessReaper } from '../process/process-reaper';
import { requireProgram } from '../process/programs';
import { DrillClock } from '../time/clock';

/** What HAProxy does when a request cannot reach its server. */
export type HaproxyRetries = 'none' | 'default' | 'redispatch';

/** The `defaults` lines of each retry mode (HAProxy 2.6 configuration manual, `retries`, `retry-on`, `option redispatch`). */
const RETRY_LINES: Record<HaproxyRetries, string[]> = {
  // Nothing retried: a refused connection is a 503 at once.
  none: ['retries 0', 'retry-on none'],
  // HAProxy's defaults, unchanged: 3 retries of a failed connection (retry-on conn-failure), on the
  // same server, each after min(timeout connect, 1 s).
  default: [],
  // 3 retries, each to another server (what an ingress's `proxy-next-upstream error` does).
  redispatch: ['retries 3', 'option redispatch 1'],
};

export interface HaproxyOptions {
  readonly clock: DrillClock;
  readonly lag: () => number;
  readonly reaper: ProcessReaper;
  readonly retries: HaproxyRetries;
  /** A directory for its configuration and admin socket. */
  readonly dir: string;
  /** Server slots: every pod the drill may make (slots are never reused). */
  readonly slots: number;
  readonly log: (message: string) => void;
}

/** One request as HAProxy logged it. */
interface LogEntry {
  readonly server: string;
  readonly status: number;
  readonly termination: string;
  readonly retries: number;
  readonly redispatched: boolean;
}

export class HaproxyPlane implements DataPlane {
  public readonly name: string;
  public readonly endpoints: LaggedEndpoints;
  public port = 0;
  /** Pod → server slot, and slot → pod. */
  private readonly slotOf = new Map<string, string>();
  private readonly podOfSlot = new Map<string, string>();
  private readonly log = new Map<number, LogEntry>();
  private commands: Promise<void> = Promise.resolve();
  private partial = '';
  private output: string[] = [];
  private pid?: number;
  private exited?: Promise<void>;

  constructor(private readonly o: HaproxyOptions) {
    this.name = `haproxy (retries: ${o.retries})`;
    this.endpoints = new LaggedEndpoints(o.clock, o.lag, state => this.apply(state));
  }

  public get ports(): number[] {
    return [this.port];
  }

  public get updates(): ProxyUpdate[] {
    return this.endpoints.updates;
  }

  public async listen(): Promise<void> {
    const program = requireProgram('haproxy', 'haproxy', '--data-plane haproxy', 'or use --data-plane kube-proxy');
    this.port = await freePort();
    const config = path.join(this.o.dir, 'haproxy.cfg');
    fs.writeFileSync(config, this.config());
    const child = this.o.reaper.spawn(program, ['-f', config, '-db'], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.pid = child.pid;
    this.exited = new Promise(resolve => child.once('exit', () => resolve()));
    child.stdout?.on('data', (chunk: Buffer) => this.read(chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => {
      this.output.push(...chunk.toString().split('\n').filter(l => l.trim() !== ''));
      this.output = this.output.slice(-10);
    });
    let running = true;
    void this.exited.then(() => { running = false; });
    for (let i = 0; i < 100 && running; i++) {
      if (fs.existsSync(this.socket()) && await tcpConnect(this.port, 200)) return;
      await new Promise(r => setTimeout(r, 50));
    }
    throw new Error(`haproxy did not start listening on 127.0.0.1:${this.port} within 5s; it wrote: ${this.output.join(' | ') || 'nothing'}`);
  }

  public publish(state: EndpointState): void {
    this.endpoints.publish(state);
  }

  public removedFromProxyAt(pod: string, after: number): number | undefined {
    return this.endpoints.removedAt(pod, after);
  }

  /** Requests, not connections, are routed: a client's connection reaches no single pod. */
  public podOfConnection(): string | undefined {
    return undefined;
  }

  public routes(requests: readonly SentRequest[]): RequestRoute[] {
    return requests.map(r => {
      const entry = this.log.get(r.id);
      if (!entry) return {};
      const pod = this.podOfSlot.get(entry.server);
      const retried = entry.retries > 0 ? `, ${entry.retries} retr${entry.retries === 1 ? 'y' : 'ies'}${entry.redispatched ? ' (redispatched)' : ''}` : '';
      return {
        pod,
        proxyOutcome: `haproxy ${entry.termination} ${entry.status}${pod === undefined ? ' (no server)' : ''}${retried}`,
        failureClass: proxyFailure(entry),
        retries: entry.retries,
      };
    });
  }

  /** Waits (at most a second) until HAProxy has logged every request that finished. */
  public async settle(requests: readonly SentRequest[]): Promise<void> {
    const finished = requests.filter(r => r.doneAt !== undefined && r.status !== undefined);
    for (let i = 0; i < 50 && finished.some(r => !this.log.has(r.id)); i++) {
      await new Promise(resolve => setTimeout(resolve, 20));
    }
  }

  public async close(): Promise<void> {
    await this.commands;
    if (this.pid !== undefined) {
      try {
        process.kill(-this.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    await this.exited;
  }

  private socket(): string {
    return path.join(this.o.dir, 'admin.sock');
  }

  private config(): string {
    return [
      'global',
      `  stats socket ${this.socket()} mode 600 level admin`,
      '  log stdout format raw local0',
      '  maxconn 4096',
      '  nbthread 1',
      'defaults',
      '  mode http',
      '  log global',
      '  option http-keep-alive',
      '  timeout connect 1s',
      '  timeout client 60s',
      '  timeout server 60s',
      '  timeout http-request 10s',
      '  timeout http-keep-alive 60s',
      ...RETRY_LINES[this.o.retries].map(l => `  ${l}`),
      'frontend drill',
      `  bind 127.0.0.1:${this.port}`,
      '  capture request header x-drill-id len 16',
      '  log-format "%[capture.req.hdr(0)] %s %ST %ts %rc"',
      '  default_backend pods',
      'backend pods',
      '  balance roundrobin',
      `  server-template pod 1-${this.o.slots} 127.0.0.1:1 disabled`,
      '',
    ].join('\n');
  }

  /** An endpoint arrived: ready ones serve, the rest are in maintenance (requests in flight finish). */
  private apply(state: EndpointState): void {
    const serve = state.present && state.ready;
    let slot = this.slotOf.get(state.pod);
    if (!slot && !serve) return;
    const commands: string[] = [];
    if (!slot) {
      if (this.slotOf.size >= this.o.slots) {
        this.o.log(`haproxy: no server slot left for ${state.pod} (${this.o.slots} in use)`);
        return;
      }
      slot = `pod${this.slotOf.size + 1}`;
      this.slotOf.set(state.pod, slot);
      this.podOfSlot.set(slot, state.pod);
      commands.push(`set server pods/${slot} addr 127.0.0.1 port ${state.port}`);
    }
    commands.push(`set server pods/${slot} state ${serve ? 'ready' : 'maint'}`);
    this.commands = this.commands.then(() => this.send(commands.join('; ')));
  }

  /** One line to the runtime API; resolves when HAProxy has answered. */
  private send(line: string): Promise<void> {
    return new Promise(resolve => {
      const socket = net.connect(this.socket(), () => socket.end(`${line}\n`));
      socket.on('data', () => undefined);
      socket.on('close', () => resolve());
      socket.on('error', e => {
        this.o.log(`haproxy runtime API: ${e.message} (${line})`);
        resolve();
      });
    });
  }

  /** Log lines: `<id> <server> <status> <termination state> <retries>`. */
  private read(text: string): void {
    const lines = (this.partial + text).split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) {
      const [id, server, status, termination, retries] = line.trim().split(' ');
      if (!/^\d+$/.test(id ?? '')) continue;
      this.log.set(Number(id), {
        server,
        status: Number(status),
        termination,
        retries: Number(String(retries).replace('+', '')) || 0,
        redispatched: String(retries).startsWith('+'),
      });
    }
  }
}

/**
 * HAProxy's answer in place of the pod's: `<NOSRV>` or a connection that failed (`SC`) is a
 * refused connection, a server that closed or reset it (`SH`, `SD`, 502) a reset, `sT` or 504 a
 * timeout; anything else is the pod's own status.
 */
function proxyFailure(entry: LogEntry): FailureClass | undefined {
  if (entry.server === '<NOSRV>' || entry.termination.startsWith('SC')) return 'refused';
  if (entry.status === 502 || /^S[HD]/.test(entry.termination)) return 'reset';
  if (entry.status === 504 || entry.termination.startsWith('sT')) return 'timeout';
  return undefined;
}
