// A Deployment as the drill drives it: the Deployment controller over its ReplicaSets, and the
// ReplicaSet controller over their pods (spec 3), behind the interface every workload kind has.

import { ClusterPod } from './cluster-pod';
import { DeploymentController } from './deployment-controller';
import { ReplicaSetController, ReplicaSetHost } from './replica-set-controller';
import { ControllerHost, DeletionBatch, WorkloadController, WorkloadSpecView } from './workload-controller';

export class DeploymentWorkload implements WorkloadController {
  public readonly kind = 'Deployment';
  public readonly deployment: DeploymentController;
  public readonly replicaSetController: ReplicaSetController;
  private podCounter = 0;

  constructor(spec: WorkloadSpecView, host: ControllerHost) {
    const rsHost: ReplicaSetHost = {
      clock: host.clock,
      minReadySeconds: spec.minReadySeconds,
      graceSeconds: spec.graceSeconds,
      wallOffset: () => host.wallOffset(),
      createPod: rs => host.createPod(`${spec.name}-r${rs.revision}-${this.podCounter++}`, rs.revision),
      replicaSets: () => this.deployment.replicaSets,
      statusChanged: () => {
        host.statusChanged();
        this.deployment.add();
      },
    };
    this.replicaSetController = new ReplicaSetController(rsHost, host.latency);
    const strategy = spec.strategy === 'Recreate' ? 'Recreate' : 'RollingUpdate';
    this.deployment = new DeploymentController({ ...spec, strategy }, this.replicaSetController, host.clock, host.latency);
  }

  public get pods(): ClusterPod[] {
    return this.deployment.replicaSets.flatMap(rs => rs.pods);
  }

  public get deletions(): DeletionBatch[] {
    return this.replicaSetController.deletions;
  }

  public get revision(): number {
    return this.deployment.current.revision;
  }

  public get replicas(): number {
    return this.deployment.replicas;
  }

  public create(): void {
    this.deployment.create();
  }

  public rollout(): void {
    this.deployment.rollout();
  }

  public readonly scale = (replicas: number): void => this.deployment.scale(replicas);

  public available(): number {
    return this.replicaSetController.available(this.deployment.current);
  }

  public complete(): boolean {
    return this.deployment.complete();
  }

  public oldPodsGone(): boolean {
    return this.deployment.oldPodsGone();
  }

  public active(): ClusterPod[] {
    return this.deployment.replicaSets.flatMap(rs => this.replicaSetController.active(rs));
  }

  public podChanged(pod: ClusterPod): void {
    this.replicaSetController.podChanged(pod);
  }

  public stop(): void {
    this.deployment.stop();
    this.replicaSetController.stop();
  }
}
