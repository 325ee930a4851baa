// Constant-rate HTTP load with keep-alive (undici), loopback only, bounded in count and time.
// Each request remembers the local port of the connection it went out on, so the report can
// tell which pod it reached through the proxy's connection log.

import * as dc from 'diagnostics_channel';
import { Pool } from 'undici';
import { Clock } from './clock';

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
}

export interface LoadOptions {
  /** Port of the proxy on 127.0.0.1. */
  readonly port: number;
  /** Requests per second (real time). */
  readonly rate: number;
  /** Keep-alive connections in the pool. */
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

const ID_HEADER = 'x-drill-request';

/**
 * Runs load until `stop()` (or the request bound); `done` resolves when every request has
 * finished.
 */
export class LoadGenerator {
  public readonly records: RequestRecord[] = [];
  private readonly pool: Pool;
  private timer?: NodeJS.Timeout;
  private inFlight = 0;
  private sending = true;
  private closed = false;
  private readonly onSend: (message: any) => void;

  constructor(private readonly clock: Clock, private readonly options: LoadOptions) {
    // undici announces each request's socket on this channel: remember its local port.
    this.onSend = (message: any) => {
      const headers: any[] = Array.isArray(message.request?.headers) ? message.request.headers : [];
      const at = headers.indexOf(ID_HEADER);
      if (at >= 0) {
        const record = this.records[Number(headers[at + 1])];
        if (record) record.localPort = message.socket?.localPort;
      }
    };
    if (!(options.rate > 0) || !(options.maxRequests > 0)) {
      throw new Error(`load rate (${options.rate}/s) and request bound (${options.maxRequests}) must be above 0`);
    }
    this.pool = new Pool(`http://127.0.0.1:${options.port}`, {
      connections: options.connections,
      pipelining: 1,
      maxRequestsPerClient: options.requestsPerConnection,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
      connectTimeout: options.timeoutMs,
    });
    dc.subscribe('undici:client:sendHeaders', this.onSend);
  }

  /** Starts sending at the constant rate; catches up after timer drift, never bursts past the bound. */
  public start(): void {
    const startedAt = performance.now();
    const intervalMs = 1000 / this.options.rate;
    const tick = () => {
      if (!this.sending) return;
      const due = Math.floor((performance.now() - startedAt) / intervalMs) + 1;
      while (this.records.length < due && this.records.length < this.options.maxRequests) {
        this.send();
      }
      if (this.records.length >= this.options.maxRequests) {
        this.sending = false;
        return;
      }
      this.timer = setTimeout(tick, Math.max(1, intervalMs));
    };
    tick();
  }

  /** Stops sending; resolves once in-flight requests have finished. */
  /** Whether `stop()` has completed. */
  public get stopped(): boolean {
    return this.closed;
  }

  public async stop(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.sending = false;
    if (this.timer) clearTimeout(this.timer);
    while (this.inFlight > 0) {
      await new Promise(r => setTimeout(r, 20));
    }
    dc.unsubscribe('undici:client:sendHeaders', this.onSend);
    await this.pool.destroy();
  }

  /** Whether the request bound was reached. */
  public get exhausted(): boolean {
    return this.records.length >= this.options.maxRequests;
  }

  private send(): void {
    const record: RequestRecord = { id: this.records.length, sentAt: this.clock.now() };
    this.records.push(record);
    this.inFlight++;
    this.pool.request({ path: this.options.path, method: 'GET', headers: { [ID_HEADER]: String(record.id) } })
      .then(async res => {
        record.status = res.statusCode;
        const pod = res.headers['x-pod'];
        record.servedBy = Array.isArray(pod) ? pod[0] : pod;
        await res.body.dump();
      })
      .catch((e: any) => {
        record.error = String(e?.code ?? e?.message ?? e);
      })
      .finally(() => {
        record.doneAt = this.clock.now();
        this.inFlight--;
      });
  }
}
