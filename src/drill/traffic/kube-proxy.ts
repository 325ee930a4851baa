// The Service's data plane, on 127.0.0.1: the EndpointSlice controller's view of each pod
// (spec 1.3), delivered to a TCP proxy after a propagation lag (spec 4.4, 5.2), and the
// proxy's choice for each new connection (spec 4.2); established connections stay on their
// pod as conntrack keeps them (spec 4.3).

import * as net from 'net';
import { DrillClock } from '../time/clock';
import { appendTo } from '../../manifest/multimap';

/** An endpoint as the EndpointSlice controller publishes it. */
export interface EndpointState {
  readonly pod: string;
  readonly port: number;
  /** serving && !terminating (or always, with publishNotReadyAddresses). */
  readonly ready: boolean;
  /** The pod's Ready condition. */
  readonly serving: boolean;
  readonly terminating: boolean;
  /** False once the pod is gone: the endpoint leaves the slice. */
  readonly present: boolean;
}

/** What the proxy did with one client connection. */
export interface ProxyConnection {
  readonly id: number;
  readonly clientPort: number;
  readonly acceptedAt: number;
  /** Pod chosen, if any. */
  pod?: string;
  /** 'no-endpoint' (refused: nothing to route to), 'backend-refused' (pod port closed), 'backend-reset', or 'ok'. */
  outcome: 'open' | 'ok' | 'no-endpoint' | 'backend-refused' | 'backend-reset';
  closedAt?: number;
}

/** When the proxy learned of a change. */
export interface ProxyUpdate {
  readonly at: number;
  readonly publishedAt: number;
  readonly state: EndpointState;
}

/**
 * The endpoint view with its lag, and the TCP proxy that routes by it.
 */
export class EndpointProxy {
  public readonly connections: ProxyConnection[] = [];
  public readonly updates: ProxyUpdate[] = [];
  private readonly view = new Map<string, { version: number; state: EndpointState }>();
  private readonly published = new Map<string, { version: number; key: string }>();
  private readonly byClientPort = new Map<number, ProxyConnection[]>();
  private readonly sockets = new Set<net.Socket>();
  private server?: net.Server;
  /** The port it listens on, once listening. */
  public port = 0;
  private nextId = 0;

  constructor(
    private readonly clock: DrillClock,
    /** Propagation lag of one change, in manifest seconds. */
    private readonly lag: () => number,
    /** Random choice among endpoints (seeded). */
    private readonly random: () => number,
  ) {}

  /** Listens on 127.0.0.1; returns the port. */
  public listen(port = 0): Promise<number> {
    this.server = net.createServer(socket => this.accept(socket));
    return new Promise((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, '127.0.0.1', () => {
        this.port = (this.server!.address() as net.AddressInfo).port;
        resolve(this.port);
      });
    });
  }

  /** Publishes a pod's endpoint state; the proxy applies it after the lag. Unchanged states are not republished. */
  public publish(state: EndpointState): void {
    const key = JSON.stringify(state);
    const previous = this.published.get(state.pod);
    if (previous?.key === key) {
      return;
    }
    const version = (previous?.version ?? 0) + 1;
    this.published.set(state.pod, { version, key });
    const publishedAt = this.clock.now();
    this.clock.after(this.lag(), () => {
      // A slower delivery of an older version never overwrites a newer one.
      if ((this.view.get(state.pod)?.version ?? 0) < version) {
        this.view.set(state.pod, { version, state });
        this.updates.push({ at: this.clock.now(), publishedAt, state });
      }
    });
  }

  /** When the proxy last stopped routing new connections to a pod (its endpoint not ready), if it did. */
  public removedFromProxyAt(pod: string, after: number): number | undefined {
    return this.updates.find(u => u.state.pod === pod && u.at >= after && (!u.state.ready || !u.state.present))?.at;
  }

  /** The proxy connection a client socket used at a time (by its local port). */
  public connectionFor(clientPort: number | undefined, at: number): ProxyConnection | undefined {
    if (clientPort === undefined) return undefined;
    const list = this.byClientPort.get(clientPort) ?? [];
    let best: ProxyConnection | undefined;
    for (const c of list) {
      // Accept and the client's first write race within one event loop: allow a moment.
      if (c.acceptedAt <= at + 1 && (!best || c.acceptedAt > best.acceptedAt)) {
        best = c;
      }
    }
    return best;
  }

  public async close(): Promise<void> {
    for (const s of this.sockets) {
      s.destroy();
    }
    await new Promise<void>(resolve => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** spec 4.2: ready endpoints; if none, serving-and-terminating ones; if none, refuse. */
  private choose(): EndpointState | undefined {
    const all = [...this.view.values()].map(v => v.state).filter(s => s.present);
    let candidates = all.filter(s => s.ready);
    if (candidates.length === 0) {
      candidates = all.filter(s => s.serving && s.terminating);
    }
    if (candidates.length === 0) {
      return undefined;
    }
    return candidates[Math.floor(this.random() * candidates.length)];
  }

  private accept(client: net.Socket): void {
    const record: ProxyConnection = { id: this.nextId++, clientPort: client.remotePort ?? -1, acceptedAt: this.clock.now(), outcome: 'open' };
    this.connections.push(record);
    appendTo(this.byClientPort, record.clientPort, record);
    this.sockets.add(client);
    client.on('close', () => this.sockets.delete(client));
    client.on('error', () => undefined);
    const endpoint = this.choose();
    if (!endpoint) {
      // iptables REJECT: the client sees the connection refused (here: reset at once).
      record.outcome = 'no-endpoint';
      record.closedAt = record.acceptedAt;
      client.resetAndDestroy();
      return;
    }
    record.pod = endpoint.pod;
    const backend = net.connect({ host: '127.0.0.1', port: endpoint.port });
    this.sockets.add(backend);
    backend.on('close', () => this.sockets.delete(backend));
    let connected = false;
    backend.once('connect', () => {
      connected = true;
      client.pipe(backend);
      backend.pipe(client);
    });
    backend.on('error', (e: NodeJS.ErrnoException) => {
      if (record.outcome === 'open') {
        record.outcome = !connected && e.code === 'ECONNREFUSED' ? 'backend-refused' : 'backend-reset';
        record.closedAt = this.clock.now();
      }
      // A reset after end() mixes a TCP shutdown with a close-reset, which libuv does not allow
      // (uv_tcp_close_reset): the handle never closes and Node spins at exit. Then just close.
      if (client.writableEnded) client.destroy(); else client.resetAndDestroy();
    });
    backend.on('end', () => {
      client.end();
    });
    client.on('close', () => {
      if (record.outcome === 'open') {
        record.outcome = 'ok';
        record.closedAt = this.clock.now();
      }
      backend.destroy();
    });
  }
}
