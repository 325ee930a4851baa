// Constant-rate HTTP load with keep-alive (Node's http.Agent), loopback only, bounded in count
// and time; a share of the requests are POSTs with a body, which a proxy may not retry once sent.
// Each request carries its id (`x-drill-id`, for a proxy's log) and remembers the local port of
// the connection it went out on (for kube-proxy's connection log), so the report can tell which
// pod it reached. With several target ports (one per node) requests take them in turn.

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
  /** Which target port it went to (an index into `ports`). */
  readonly target: number;
  readonly method: 'GET' | 'POST';
  /** Real milliseconds it went out after its time in the schedule (a busy machine delays the timer). */
  readonly lateMs: number;
  /** `x-pod` response header, when the app sets it. */
  servedBy?: string;
  /** Still in flight when the drill was interrupted: neither success nor failure. */
  unfinished?: boolean;
}

export interface LoadOptions {
  /** Ports of the data plane on 127.0.0.1; requests take them in turn, each with its own connections. */
  readonly ports: number[];
  /** Requests per second (real time). */
  readonly rate: number;
  /** Share of POST requests, spread evenly. @default 0 */
  readonly postShare?: number;
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
  private readonly agents: http.Agent[];
  /** Requests written to each socket so far. */
  private readonly uses = new WeakMap<net.Socket, number>();
  private readonly inFlight = new Set<http.ClientRequest>();
  private timer?: NodeJS.Timeout;
  private sending = false;
  private closed = false;

  constructor(private readonly clock: DrillClock, private readonly options: LoadOptions) {
    const { rate, maxRequests, connections, requestsPerConnection } = options;
    if (!(rate > 0) || !(maxRequests > 0) || !(connections >= 1) || !(requestsPerConnection >= 1) || options.ports.length === 0) {
      throw new Error(`load rate (${options.rate}/s), request bound (${options.maxRequests}), connections (${options.connections}), `
        + `requests per connection (${options.requestsPerConnection}) and target ports (${options.ports.length}) must be above 0`);
    }
    // The connections are shared among the targets (at least one each).
    const perTarget = Math.max(1, Math.round(options.connections / options.ports.length));
    this.agents = options.ports.map(() => new http.Agent({ keepAlive: true, maxSockets: perTarget, maxFreeSockets: perTarget, scheduling: 'fifo' }));
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
      const now = performance.now();
      const due = Math.floor((now - startedAt) / intervalMs) + 1;
      while (this.records.length < due && this.records.length < this.options.maxRequests) {
        this.send(Math.max(0, now - (startedAt + this.records.length * intervalMs)));
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
    this.agents.forEach(a => a.destroy());
  }

  /** Request `id` is a POST when the share's running total passes a whole number: an even spread, the same in every run. */
  private methodOf(id: number): 'GET' | 'POST' {
    const share = this.options.postShare ?? 0;
    return Math.floor((id + 1) * share) > Math.floor(id * share) ? 'POST' : 'GET';
  }

  private send(lateMs: number): void {
    const id = this.records.length;
    const target = id % this.options.ports.length;
    const method = this.methodOf(id);
    const record: RequestRecord = { id, sentAt: this.clock.now(), target, method, lateMs };
    this.records.push(record);
    const body = method === 'POST' ? `{"order":${id}}` : undefined;
    const headers: http.OutgoingHttpHeaders = { 'x-drill-id': String(id) };
    if (body) Object.assign(headers, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    const req = http.request({ host: '127.0.0.1', port: this.options.ports[target], path: this.options.path, method, headers, agent: this.agents[target] });
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
      // The kernel picks the local port when the connection starts: known now, before 'connect'. A
      // connection the proxy resets at once can fail before 'connect' comes (on a busy machine).
      const remember = () => { record.localPort = socket.localPort ?? record.localPort; };
      remember();
      if (socket.connecting) socket.once('connect', remember);
      req.end(body);
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
