// The Service's data plane as the drill needs it, whatever it is: the EndpointSlice controller's
// view of each pod (spec 1.3) reaches it after a propagation lag (spec 4.4, 5.2), the load goes
// through it, and afterwards it says, for each request, which pod it reached and what went wrong.
// kube-proxy.ts models kube-proxy on a TCP proxy; haproxy.ts drives a real reverse proxy.

import { DrillClock } from '../time/clock';

/** An endpoint as the EndpointSlice controller publishes it. */
export interface EndpointState {
  readonly pod: string;
  readonly port: number;
  /** The pod's node, for node-local traffic. */
  readonly node?: string;
  /** serving && !terminating (or always, with publishNotReadyAddresses). */
  readonly ready: boolean;
  /** The pod's Ready condition. */
  readonly serving: boolean;
  readonly terminating: boolean;
  /** False once the pod is gone: the endpoint leaves the slice. */
  readonly present: boolean;
}

/** When a proxy learned of a change. */
export interface ProxyUpdate {
  readonly at: number;
  readonly publishedAt: number;
  readonly state: EndpointState;
  /** Which proxy learned of it, when the data plane has one per node: `kube-proxy on node-1`. */
  readonly proxy?: string;
}

/** How a failed request failed. */
export type FailureClass = 'refused' | 'reset' | 'timeout' | '5xx';

/** What the data plane knows of one request. */
export interface RequestRoute {
  /** The pod it reached, or was meant for. */
  readonly pod?: string;
  /** What the proxy did: `no-endpoint`, `backend-refused`, `haproxy SC 503`, … */
  readonly proxyOutcome?: string;
  /** The proxy's own verdict, when it answered for the pod (a 503 of its own is a refused connection). */
  readonly failureClass?: FailureClass;
  /** Times the proxy retried it. */
  readonly retries?: number;
}

/** One request as the load generator saw it. */
export interface SentRequest {
  readonly id: number;
  readonly sentAt: number;
  readonly doneAt?: number;
  readonly error?: string;
  readonly status?: number;
  readonly localPort?: number;
  /** Which of the data plane's ports it went to. */
  readonly target: number;
}

/** The data plane in front of the pods. */
export interface DataPlane {
  /** What `--data-plane` names, and how the report describes it. */
  readonly name: string;
  /** Ports the load sends to on 127.0.0.1: one, or one per node when traffic stays on its node. */
  readonly ports: number[];
  /** Every change as a proxy learned of it. */
  readonly updates: ProxyUpdate[];
  listen(): Promise<void>;
  /** Publishes a pod's endpoint; each proxy applies it after its lag. */
  publish(state: EndpointState): void;
  /** When a proxy last stopped sending new requests to a pod, after `after`. */
  removedFromProxyAt(pod: string, after: number): number | undefined;
  /** The pod a client socket (its local port) reached at a time, for long-lived connections. */
  podOfConnection(target: number, localPort: number | undefined, at: number): string | undefined;
  /** Waits (briefly, bounded) until the data plane has recorded every request that finished. */
  settle(requests: readonly SentRequest[]): Promise<void>;
  /** The route of every request, in order. */
  routes(requests: readonly SentRequest[]): RequestRoute[];
  close(): Promise<void>;
}

/**
 * The endpoints one proxy sees: each change arrives after its own lag; a slower delivery of an
 * older state never overwrites a newer one.
 */
export class LaggedEndpoints {
  public readonly updates: ProxyUpdate[] = [];
  private readonly view = new Map<string, { version: number; state: EndpointState }>();
  private readonly published = new Map<string, { version: number; key: string }>();

  constructor(
    private readonly clock: DrillClock,
    /** Propagation lag of one change, in manifest seconds. */
    private readonly lag: () => number,
    /** Called when a change arrives. */
    private readonly onChange: (state: EndpointState) => void = () => undefined,
  ) {}

  /** Publishes a pod's endpoint state; it arrives after the lag. Unchanged states are not republished. */
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
      if ((this.view.get(state.pod)?.version ?? 0) < version) {
        this.view.set(state.pod, { version, state });
        this.updates.push({ at: this.clock.now(), publishedAt, state });
        this.onChange(state);
      }
    });
  }

  /** Endpoints in the slice now, as this proxy sees them. */
  public present(): EndpointState[] {
    const out: EndpointState[] = [];
    for (const { state } of this.view.values()) if (state.present) out.push(state);
    return out;
  }

  /** When this proxy last stopped routing new connections to a pod, after `after`. */
  public removedAt(pod: string, after: number): number | undefined {
    return this.updates.find(u => u.state.pod === pod && u.at >= after && (!u.state.ready || !u.state.present))?.at;
  }
}
