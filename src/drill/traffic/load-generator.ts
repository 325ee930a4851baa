// Constant-rate HTTP load with keep-alive (Node's http.Agent), loopback only, bounded in count
// and time. Each request remembers the local port of the connection it went out on, so the
// report can tell which pod it reached through the proxy's connection log.

import * as http from 'http';
import * as net from 'net';
import { DrillClock } from '../time/clock';

/** One request and how it ended. */
export interface RequestRecord {
  readonly id: number;
  /** Manifest seconds. */
  readonly sentAt: number;
  doneAt?: number;
  status?: number;
  /** Error code or message, when it failed at the connection level. */
  error?: string;
  /** Local port of the connection it was written to, if it got one. */
  localPort?: number;
  /** `x-pod` response header, when the app sets it. */
  servedBy?: string;
  /** Still in flight when the drill was interrupted: neither success nor failure. */
  unfinished?: boolean;
}

export interface LoadOptions {
  /** Port of the proxy on 127.0.0.1. */
  readonly port: number;
  /** Requests per second (real time). */
  readonly rate: number;
  /** Keep-alive connections: the agent's maxSockets. */
  readonly connections: number;
  /**
   * Requests a connection carries before the client closes it and opens a new one. Real
   * traffic through a Service comes from many clients whose connections come and go, so new
   * connections, and the proxy's routing choices, keep happening during a rollout.
   */
  readonly requestsPerConnection: number;
  /** Hard bound on the number of requests. */
  readonly maxRequests: number;
  /** Per-request timeout, real milliseconds. */
  readonly timeoutMs: number;
  readonly path: string;
}

/** The error code of a request that took longer than `timeoutMs`. */
export const TIMEOUT_CODE = 'TIMEOUT';

/**
 * Runs load until `stop()` (or the request bound).
 */
export class LoadGenerator {
  public readonly records: RequestRecord[] = [];
  private readonly agent: http.Agent;
  /** Requests written to each socket so far. */
  private readonly uses = new WeakMap<net.Socket, number>();
  private readonly inFlight = new Set<http.ClientRequest>();
  private timer?: NodeJS.Timeout;
  private sending = false;
  private closed = false;

  constructor(private readonly clock: DrillClock, private readonly options: LoadOptions) {
    if (!(options.rate > 0) || !(options.maxRequests > 0) || !(options.connections >= 1) || !(options.requestsPerConnection >= 1)) {
      throw new Error(`load rate (${options.rate}/s), request bound (${options.maxRequests}), connections (${options.connections}) `
        + `and requests per connection (${options.requestsPerConnection}) must be above 0`);
    }
    this.agent = new http.Agent({ keepAlive: true, maxSockets: options.connections, maxFreeSockets: options.connections, scheduling: 'fifo' });
  }

  /** Whether `stop()` has completed. */
  public get stopped(): boolean {
    return this.closed;
  }

  /** Whether the request bound was reached. */
  public get exhausted(): boolean {
    return this.records.length >= this.options.maxRequests;
  }

  /** Starts sending at the constant rate; catches up after timer drift, never bursts past the bound. */
  public start(): void {
    this.sending = true;
    const startedAt = performance.now();
    const intervalMs = 1000 / this.options.rate;
    const tick = () => {
      if (!this.sending) return;
      const due = Math.floor((performance.now() - startedAt) / intervalMs) + 1;
      while (this.records.length < due && this.records.length < this.options.maxRequests) {
        this.send();
      }
      if (this.exhausted) {
        this.sending = false;
        return;
      }
      this.timer = setTimeout(tick, Math.max(1, intervalMs));
    };
    tick();
  }

  /**
   * Stops sending; resolves once in-flight requests have finished (each is bounded by its
   * timeout), or at once with `abort`, marking them unfinished.
   */
  public async stop(options: { abort?: boolean } = {}): Promise<void> {
    if (this.closed) return;
    this.sending = false;
    if (this.timer) clearTimeout(this.timer);
    const deadline = performance.now() + (options.abort ? 0 : this.options.timeoutMs + 1000);
    while (this.inFlight.size > 0 && performance.now() < deadline) {
      await new Promise(r => setTimeout(r, 20));
    }
    for (const record of this.records) {
      if (record.doneAt === undefined) record.unfinished = true;
    }
    this.closed = true;
    this.inFlight.forEach(req => req.destroy());
    this.agent.destroy();
  }

  private send(): void {
    const record: RequestRecord = { id: this.records.length, sentAt: this.clock.now() };
    this.records.push(record);
    const req = http.request({ host: '127.0.0.1', port: this.options.port, path: this.options.path, method: 'GET', agent: this.agent });
    this.inFlight.add(req);
    let settled = false;
    const settle = (error?: Error & { code?: string }) => {
      if (settled) return;
      settled = true;
      clearTimeout(timeout);
      this.inFlight.delete(req);
      if (this.closed) return;
      if (error) record.error = String(error.code ?? error.message ?? error);
      record.doneAt = this.clock.now();
    };
    const timeout = setTimeout(() => req.destroy(Object.assign(new Error('request timed out'), { code: TIMEOUT_CODE })), this.options.timeoutMs);
    req.on('socket', socket => {
      // The socket is known only now: count its requests and retire it after the last one
      // (`Connection: close` makes the agent drop it instead of reusing it).
      const uses = (this.uses.get(socket) ?? 0) + 1;
      this.uses.set(socket, uses);
      if (uses >= this.options.requestsPerConnection) req.setHeader('Connection', 'close');
      const remember = () => { record.localPort = socket.localPort; };
      if (socket.connecting) socket.once('connect', remember); else remember();
      req.end();
    });
    req.on('response', res => {
      record.status = res.statusCode;
      const pod = res.headers['x-pod'];
      record.servedBy = Array.isArray(pod) ? pod[0] : pod;
      res.resume();
      res.on('end', () => settle());
      res.on('error', e => settle(e));
    });
    req.on('error', e => settle(e));
  }
}
