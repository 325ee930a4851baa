// What the StatefulSet and DaemonSet controllers share: one work queue for the workload, and the
// workload's revision. A pod's change queues a sync (a reconcile latency later), and a Ready pod
// wakes the controller again at the moment it becomes available (minReadySeconds), as their
// `AddAfter` does.
import { AvailabilityWakeups, ClusterPod, availableTime, isAvailable } from './cluster-pod';
import { WorkQueue } from './work-queue';
import { ControllerHost, WorkloadSpecView } from './workload-controller';

export abstract class QueuedWorkloadController {
  /** The template revision new pods get; a rollout raises it. */
  public revision = 1;
  protected readonly queue: WorkQueue;
  /** Whether the workload exists yet: until then a sync does nothing. */
  protected created = false;
  private readonly wakeups: AvailabilityWakeups;

  constructor(protected readonly spec: WorkloadSpecView, protected readonly host: ControllerHost) {
    this.queue = new WorkQueue(host.clock, host.latency, () => this.sync());
    this.wakeups = new AvailabilityWakeups(host.clock);
  }

  public create(): void {
    this.created = true;
    this.queue.add();
  }

  public rollout(): void {
    this.revision++;
    this.queue.add();
  }

  public podChanged(pod: ClusterPod): void {
    this.wakeups.at(availableTime(pod, this.spec.minReadySeconds, this.host.wallOffset()), () => {
      this.queue.add();
      this.host.statusChanged();
    });
    this.queue.add();
  }

  public stop(): void {
    this.queue.stop();
    this.wakeups.cancelAll();
  }

  protected isAvailable(pod: ClusterPod): boolean {
    return isAvailable(pod, this.spec.minReadySeconds, this.host.clock.now(), this.host.wallOffset());
  }

  /** One pass of the controller over its workload. */
  protected abstract sync(): void;
}
