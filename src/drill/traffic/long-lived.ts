// Long-lived connections next to the HTTP load: WebSocket chats (an HTTP upgrade) or
// server-sent event streams held open through the proxy for the whole drill, as chat users do.
// A connection the server closes or resets before its client ends it is cut; the client then
// reconnects through the Service, and the drill records where each connection landed. Node's
// built-ins only: `http` for the upgrade, a minimal RFC 6455 client framing.

import * as crypto from 'crypto';
import * as http from 'http';
import * as net from 'net';
import { ClockTimer, DrillClock } from '../time/clock';

export type LongLivedKind = 'websocket' | 'sse';
export const LONG_LIVED_KINDS: LongLivedKind[] = ['websocket', 'sse'];

/** Long-lived connections the drill holds open. */
export interface LongLivedOptions {
  /** Clients, each holding one connection. */
  readonly connections: number;
  /** @default 'websocket' */
  readonly kind?: LongLivedKind;
  /** @default '/chat' for WebSocket, '/events' for SSE */
  readonly path?: string;
  /** Manifest seconds a cut client waits before it reconnects (and between failed attempts). @default 1 */
  readonly reconnectSeconds?: number;
  /**
   * How long a chat lasts, manifest seconds: each client ends its connection after a seeded
   * time from half to one and a half of this, and a new chat starts at once (users come and go).
   * @default - chats last the whole drill
   */
  readonly sessionSeconds?: number;
}

export const LONG_LIVED_DEFAULTS = { kind: 'websocket' as LongLivedKind, reconnectSeconds: 1 };

/** The default path of a kind: the chat server's (examples/drill-apps/websocket-chat-server.js). */
export function longLivedPath(o: LongLivedOptions): string {
  return o.path ?? ((o.kind ?? LONG_LIVED_DEFAULTS.kind) === 'sse' ? '/events' : '/chat');
}

/** Why a connection was opened. */
export type OpenReason = 'first' | 'reconnect' | 'new-session';

/** One connection of one client. Times are manifest seconds on the drill clock. */
export interface LongLivedConnection {
  readonly client: number;
  readonly reason: OpenReason;
  readonly startedAt: number;
  /** The handshake completed (101 Switching Protocols, or 200 with the event stream). */
  openedAt?: number;
  localPort?: number;
  /** The pod the proxy routed it to. */
  pod?: string;
  endedAt?: number;
  /** client: ended by its client; cut: closed or reset by the other side; failed: never opened. */
  end?: 'client' | 'cut' | 'failed';
  /** How it was cut or failed: a close frame's code, `event: reconnect`, reset, an error code. */
  detail?: string;
}

/** What the clients need from the drill. */
export interface LongLivedHost {
  readonly clock: DrillClock;
  /** The proxy's port on 127.0.0.1. */
  readonly port: number;
  /** Seeded: session lengths and WebSocket keys. */
  readonly random: () => number;
  /** The pod the proxy gave a client socket (its local port) at a time. */
  readonly podOf: (localPort: number, at: number) => string | undefined;
  /** Handshake timeout, real milliseconds. */
  readonly timeoutMs: number;
}

/** Opens the connections, keeps them open, reconnects the cut ones until `stop()`. */
export class LongLivedClients {
  public readonly connections: LongLivedConnection[] = [];
  private readonly live = new Map<LongLivedConnection, () => void>();
  private readonly timers = new Set<ClockTimer>();
  private stopped = false;

  constructor(private readonly host: LongLivedHost, public readonly options: LongLivedOptions) {}

  public get kind(): LongLivedKind {
    return this.options.kind ?? LONG_LIVED_DEFAULTS.kind;
  }

  public get path(): string {
    return longLivedPath(this.options);
  }

  /** Connections open now whose pod satisfies `on` (a scaler's count of a release's connections). */
  public openOn(on: (pod: string) => boolean): number {
    return [...this.live.keys()].filter(c => c.openedAt !== undefined && c.pod !== undefined && on(c.pod)).length;
  }

  /** Every client connects at once. */
  public start(): void {
    for (let client = 0; client < this.options.connections; client++) {
      this.startSession(client, 'first');
    }
  }

  /** The clients end their connections; pending reconnects are cancelled. */
  public stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.timers.forEach(t => t.cancel());
    [...this.live.values()].forEach(end => end());
  }

  private later(seconds: number, fn: () => void): void {
    const timer = this.host.clock.after(seconds, () => {
      this.timers.delete(timer);
      if (!this.stopped) fn();
    });
    this.timers.add(timer);
  }

  /** A chat: connect now; with a session length, end it later and start the next. */
  private startSession(client: number, reason: OpenReason): void {
    const session = { over: false, current: undefined as LongLivedConnection | undefined };
    const { sessionSeconds } = this.options;
    if (sessionSeconds !== undefined) {
      this.later(sessionSeconds * (0.5 + this.host.random()), () => {
        session.over = true;
        const c = session.current;
        if (c && this.live.has(c)) this.live.get(c)!();
        this.startSession(client, 'new-session');
      });
    }
    const attempt = (why: OpenReason) => {
      if (session.over || this.stopped) return;
      session.current = this.connect(client, why, () => this.later(this.options.reconnectSeconds ?? LONG_LIVED_DEFAULTS.reconnectSeconds, () => attempt('reconnect')));
    };
    attempt(reason);
  }

  /** One connection; `retry` is called once when it is cut or fails. */
  private connect(client: number, reason: OpenReason, retry: () => void): LongLivedConnection {
    const { clock } = this.host;
    const record: LongLivedConnection = { client, reason, startedAt: clock.now() };
    this.connections.push(record);
    const websocket = this.kind === 'websocket';
    const headers: Record<string, string> = websocket
      ? { 'Connection': 'Upgrade', 'Upgrade': 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': this.key() }
      : { Accept: 'text/event-stream' };
    const req = http.request({ host: '127.0.0.1', port: this.host.port, path: this.path, headers, agent: false });
    let socket: net.Socket | undefined;
    let ending = false;
    const finish = (end: 'client' | 'cut' | 'failed', detail?: string) => {
      if (record.end) return;
      record.end = end;
      record.endedAt = clock.now();
      record.detail ??= detail;
      clearTimeout(handshake);
      this.live.delete(record);
      socket?.destroy();
      req.destroy();
      if (end !== 'client') retry();
    };
    // The client ends it: a close frame (masked, as from every client) or the end of the stream.
    this.live.set(record, () => {
      ending = true;
      if (websocket && record.openedAt !== undefined) socket?.write(maskedFrame(0x8, Buffer.from([0x03, 0xe8])));
      finish('client');
    });
    const handshake = setTimeout(() => finish('failed', 'handshake timeout'), this.host.timeoutMs);
    const opened = (s: net.Socket) => {
      socket = s;
      clearTimeout(handshake);
      record.openedAt = clock.now();
      record.localPort = s.localPort;
      record.pod = s.localPort === undefined ? undefined : this.host.podOf(s.localPort, record.openedAt);
      const gone = (detail: string) => () => finish(ending ? 'client' : 'cut', detail);
      s.on('end', gone('closed by the server'));
      s.on('close', gone('closed by the server'));
      s.on('error', (e: NodeJS.ErrnoException) => finish(ending ? 'client' : 'cut', e.code === 'ECONNRESET' ? 'reset' : String(e.code ?? e.message)));
    };
    req.on('socket', s => s.once('connect', () => { record.localPort = s.localPort; }));
    req.on('upgrade', (res, s) => {
      if (res.statusCode !== 101) return finish('failed', `HTTP ${res.statusCode}`);
      opened(s);
      // The first frame the server sends that is a close frame says why it closed.
      s.on('data', (chunk: Buffer) => {
        const code = closeCode(chunk);
        if (code !== undefined) record.detail ??= `close frame ${code}`;
      });
    });
    req.on('response', res => {
      if (websocket || res.statusCode !== 200) {
        res.resume();
        return finish('failed', `HTTP ${res.statusCode}`);
      }
      opened(res.socket);
      res.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('event: reconnect')) record.detail ??= 'event: reconnect';
      });
      res.on('end', () => finish(ending ? 'client' : 'cut', record.detail ?? 'stream ended'));
    });
    req.on('error', (e: NodeJS.ErrnoException) => finish(record.openedAt === undefined ? 'failed' : ending ? 'client' : 'cut', String(e.code ?? e.message)));
    req.end();
    return record;
  }

  private key(): string {
    const bytes = Buffer.alloc(16);
    for (let i = 0; i < 16; i++) bytes[i] = Math.floor(this.host.random() * 256);
    return bytes.toString('base64');
  }
}

/** A client frame (clients must mask, RFC 6455 5.3); payloads below 126 bytes. */
export function maskedFrame(opcode: number, payload: Buffer): Buffer {
  const mask = crypto.randomBytes(4);
  // eslint-disable-next-line no-bitwise -- the masking is an XOR (RFC 6455 5.3)
  const masked = Buffer.from(payload.map((b, i) => b ^ mask[i % 4]));
  // FIN bit + opcode; mask bit + length.
  return Buffer.concat([Buffer.from([0x80 + opcode, 0x80 + payload.length]), mask, masked]);
}

/** The status code of a server's close frame in `chunk`, if the chunk holds one (frames of text before it are skipped). */
export function closeCode(chunk: Buffer): number | undefined {
  let offset = 0;
  while (offset + 2 <= chunk.length) {
    // The low 4 bits are the opcode; the low 7 bits of the next byte the length (no mask from a server).
    const opcode = chunk[offset] % 16;
    let length = chunk[offset + 1] % 128;
    let start = offset + 2;
    if (length === 126) {
      if (start + 2 > chunk.length) return undefined;
      length = chunk.readUInt16BE(start);
      start += 2;
    } else if (length === 127) {
      return undefined;
    }
    if (opcode === 0x8) return start + 2 <= chunk.length && length >= 2 ? chunk.readUInt16BE(start) : 1005;
    offset = start + length;
  }
  return undefined;
}
