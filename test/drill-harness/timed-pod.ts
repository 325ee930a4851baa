// A pod that only follows timings: Ready some seconds after it is bound, gone some seconds
// after its deletion. The control plane runs over it as over a real pod (unit tests, the
// bench's controller rows, like the fake kubelet the controllers were measured with on Kubernetes 1.34).

import { EventEmitter } from 'events';
import { ClusterPod } from '../../src/drill/cluster/cluster-pod';
import { DrillClock } from '../../src/drill/time/clock';

/**
 * A pod Ready `readySeconds` after it is bound; deleted, it is gone `goneSeconds` after the
 * kubelet noticed, and the kubelet notices and removes the object a reconcile latency late
 * each (the fake kubelet of the measurements on Kubernetes 1.34 did the same).
 */
export class TimedPod extends EventEmitter implements ClusterPod {
  public node?: string;
  public running = false;
  public ready = false;
  public readyAt?: number;
  public terminating = false;
  public deletedAt?: number;
  public gone = false;
  public restarts = 0;
  public readonly createdAt: number;

  constructor(
    public readonly name: string,
    public readonly uid: string,
    public readonly revision: number,
    private readonly clock: DrillClock,
    private readonly timings: { readySeconds: number; goneSeconds: number; latency: () => number },
    /** The name in Kubernetes (a StatefulSet's replacement keeps its predecessor's). */
    public readonly podName: string = name,
  ) {
    super();
    this.createdAt = clock.now();
  }

  public bind(node: string): void {
    this.node = node;
    this.running = true;
    this.emit('change');
    this.clock.after(this.timings.readySeconds, () => {
      if (this.terminating) return;
      this.ready = true;
      this.readyAt = this.clock.now();
      this.emit('change');
    });
  }

  public delete(): void {
    if (this.terminating || this.gone) return;
    this.terminating = true;
    this.deletedAt = this.clock.now();
    this.emit('change');
    this.clock.after(this.timings.latency() + this.timings.goneSeconds + this.timings.latency(), () => {
      this.gone = true;
      this.ready = false;
      this.emit('change');
    });
  }
}

