// kube-proxy as the drill models it, on 127.0.0.1: a TCP proxy per node that learns of endpoint
// changes after a propagation lag (spec 4.4, 5.2) and picks an endpoint for each new connection
// (spec 4.2); an established connection stays on its pod as conntrack keeps it (spec 4.3). With
// internalTrafficPolicy Local each node's proxy sends only to its node's pods, and the load is
// spread over the nodes: a node without a local endpoint drops the connection (spec 4.2).

import * as net from 'net';
import { DataPlane, EndpointState, FailureClass, LaggedEndpoints, ProxyUpdate, RequestRoute, SentRequest } from './data-plane';
import { appendTo } from '../../manifest/multimap';
import { DrillClock } from '../time/clock';

/** What the proxy did with one client connection. */
export interface ProxyConnection {
  readonly id: number;
  readonly clientPort: number;
  readonly acceptedAt: number;
  /** Pod chosen, if any. */
  pod?: string;
  /**
   * 'no-endpoint' (refused: nothing to route to), 'no-local-endpoint' (node-local traffic on a
   * node without one: kube-proxy drops it), 'backend-refused' (pod port closed), 'backend-reset', or 'ok'.
   */
  outcome: 'open' | 'ok' | 'no-endpoint' | 'no-local-endpoint' | 'backend-refused' | 'backend-reset';
  closedAt?: number;
}

/** One node's kube-proxy: the endpoints it sees, with its lag, and the TCP proxy that routes by them. */
export class KubeProxy {
  public readonly connections: ProxyConnection[] = [];
  public readonly endpoints: LaggedEndpoints;
  private readonly byClientPort = new Map<number, ProxyConnection[]>();
  private readonly sockets = new Set<net.Socket>();
  private server?: net.Server;
  /** The port it listens on, once listening. */
  public port = 0;
  private nextId = 0;

  constructor(
    private readonly clock: DrillClock,
    /** Propagation lag of one change, in manifest seconds. */
    lag: () => number,
    /** Random choice among endpoints (seeded). */
    private readonly random: () => number,
    /** With internalTrafficPolicy Local: the node whose pods alone it sends to. */
    public readonly node?: string,
  ) {
    this.endpoints = new LaggedEndpoints(clock, lag);
  }

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

  /**
   * The proxy connection a client socket (its local port) used for something that happened by
   * `until`: the last one from that port accepted by then. A request's connection is accepted
   * before the request ends, however long the client queued it.
   */
  public connectionFor(clientPort: number | undefined, until: number): ProxyConnection | undefined {
    if (clientPort === undefined) return undefined;
    const list = this.byClientPort.get(clientPort) ?? [];
    let best: ProxyConnection | undefined;
    for (const c of list) {
      if (c.acceptedAt <= until && (!best || c.acceptedAt > best.acceptedAt)) {
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

  /** spec 4.2: ready endpoints; if none, serving-and-terminating ones; if none, refuse (with node-local traffic: of this node). */
  private choose(): EndpointState | undefined {
    const all = this.endpoints.present().filter(s => this.node === undefined || s.node === this.node);
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
      // iptables REJECT: the client sees the connection refused (here: reset at once). With
      // node-local traffic kube-proxy DROPs instead, and the client would wait for its timeout.
      record.outcome = this.node === undefined ? 'no-endpoint' : 'no-local-endpoint';
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

/** What the drill needs to run kube-proxy. */
export interface KubeProxyOptions {
  readonly clock: DrillClock;
  /** A lag draw, manifest seconds. */
  readonly lag: () => number;
  /** Seeded backend choice. */
  readonly random: () => number;
  /** With internalTrafficPolicy Local: the nodes, one proxy each, every one with its own lag. */
  readonly localNodes?: string[];
}

/** kube-proxy on every node the load comes from: one proxy, or one per node for node-local traffic. */
export class KubeProxyPlane implements DataPlane {
  public readonly name = 'kube-proxy';
  public readonly proxies: KubeProxy[];

  constructor(o: KubeProxyOptions) {
    const nodes = o.localNodes ?? [undefined];
    this.proxies = nodes.map(node => new KubeProxy(o.clock, o.lag, o.random, node));
  }

  public get ports(): number[] {
    return this.proxies.map(p => p.port);
  }

  public get updates(): ProxyUpdate[] {
    const named = this.proxies.length > 1;
    return this.proxies.flatMap((p, i) => p.endpoints.updates.map(u => (named ? { ...u, proxy: `kube-proxy on ${p.node ?? `proxy ${i + 1}`}` } : u)))
      .sort((a, b) => a.at - b.at);
  }

  public async listen(): Promise<void> {
    for (const p of this.proxies) await p.listen();
  }

  public publish(state: EndpointState): void {
    this.proxies.forEach(p => p.endpoints.publish(state));
  }

  /** The last proxy to stop sending to the pod. */
  public removedFromProxyAt(pod: string, after: number): number | undefined {
    const times = this.proxies.map(p => p.endpoints.removedAt(pod, after));
    return times.some(t => t === undefined) ? undefined : Math.max(...(times as number[]));
  }

  public podOfConnection(target: number, localPort: number | undefined, at: number): string | undefined {
    // Accept and the client's first write race within one event loop: allow a moment.
    return this.proxies[target]?.connectionFor(localPort, at + 1)?.pod;
  }

  /** Its connection log is complete as soon as the connections have closed. */
  public async settle(): Promise<void> {
    return Promise.resolve();
  }

  /**
   * Each request's connection, found by its socket's local port in its proxy's log. A request
   * whose fresh connection was refused before it was written has no socket port: it is matched
   * to a refused connection of its time, each used once.
   */
  public routes(requests: readonly SentRequest[]): RequestRoute[] {
    const claimed = new Set<ProxyConnection>();
    const found = requests.map(r => this.proxies[r.target]?.connectionFor(r.localPort, r.doneAt ?? r.sentAt + 1));
    found.forEach(c => c && claimed.add(c));
    const refused = this.proxies.map(p => p.connections.filter(c => c.outcome === 'no-endpoint' || c.outcome === 'no-local-endpoint' || c.outcome === 'backend-refused'));
    const refusedFor = (r: SentRequest): ProxyConnection | undefined => {
      const match = refused[r.target]?.find(c => !claimed.has(c) && c.acceptedAt >= r.sentAt - 0.05 && c.acceptedAt <= (r.doneAt ?? r.sentAt) + 0.05);
      if (match) claimed.add(match);
      return match;
    };
    return requests.map((r, i) => {
      const conn = found[i] ?? (r.error !== undefined ? refusedFor(r) : undefined);
      const refusedConn = conn && conn.outcome !== 'ok' && conn.outcome !== 'open' && conn.outcome !== 'backend-reset';
      const failureClass: FailureClass | undefined = r.error !== undefined && refusedConn ? 'refused' : undefined;
      return { pod: conn?.pod, proxyOutcome: conn?.outcome, failureClass };
    });
  }

  public async close(): Promise<void> {
    await Promise.all(this.proxies.map(p => p.close()));
  }
}
