/**
 * The Kubernetes version of the target cluster, and the feature gates it enables beyond its
 * defaults, where a feature depends on them.
 *
 * Each constant says what changed for shutdown and rollouts in that release, with its source
 * (the Kubernetes enhancement, KEP, and the change that shipped it).
 *
 * @see https://kubernetes.io/releases/
 */
export class KubernetesVersion {
  /** Kubernetes 1.27, the API of the cdk8s-plus-27 types (the default target of `graceful-k8s`). */
  public static readonly V1_27 = new KubernetesVersion(1, 27);
  /**
   * Kubernetes 1.29: native sidecars (init containers with `restartPolicy: Always`) are beta and on by default (spec 1.9).
   *
   * @see https://kubernetes.io/docs/concepts/workloads/pods/sidecar-containers/
   */
  public static readonly V1_29 = new KubernetesVersion(1, 29);
  /**
   * Kubernetes 1.30: the native preStop sleep action is beta and on by default (spec 1.7).
   *
   * @see https://kubernetes.io/docs/concepts/containers/container-lifecycle-hooks/#hook-handler-implementations
   */
  public static readonly V1_30 = new KubernetesVersion(1, 30);
  /**
   * Kubernetes 1.33: native sidecars are GA; `lifecycle.stopSignal` is alpha (spec 1.8, 1.9). The
   * API of the cdk8s-plus-33 types (the default target of `graceful-k8s-33`).
   */
  public static readonly V1_33 = new KubernetesVersion(1, 33);
  /**
   * Kubernetes 1.34: the native preStop sleep action is GA (spec 1.7). The API of the
   * cdk8s-plus-34 types (the default target of `graceful-k8s-34`).
   */
  public static readonly V1_34 = new KubernetesVersion(1, 34);
  /**
   * Kubernetes 1.35: Deployments and ReplicaSets report `.status.terminatingReplicas`, the pods
   * still shutting down (beta, gate `DeploymentReplicaSetTerminatingReplicas` on by default;
   * KEP-3973, kubernetes#133087): `kubectl rollout status` still reports success while old pods
   * run out their grace period, and this field shows them (`rolloutPlan().rolloutStatus`).
   * HPA per-object `tolerance` is beta and on by default (gate `HPAConfigurableTolerance`;
   * KEP-4951, kubernetes#133128). StatefulSet `maxUnavailable` went beta here, but 1.35.4 turned
   * its gate `MaxUnavailableStatefulSet` off by default again (kubernetes#137926, a regression
   * in Parallel pod management): on 1.35 it needs the gate.
   */
  public static readonly V1_35 = new KubernetesVersion(1, 35);
  /**
   * Kubernetes 1.36: Deployment `spec.podReplacementPolicy` (`TerminationStarted` or
   * `TerminationComplete`: whether a rollout replaces a pod as soon as it starts terminating, or
   * only once it is gone) is alpha, behind the gate `DeploymentPodReplacementPolicy`, off by
   * default (KEP-5882, split from KEP-3973). StatefulSet `maxUnavailable` stays off by default
   * (kubernetes#137904).
   */
  public static readonly V1_36 = new KubernetesVersion(1, 36);
  /**
   * Kubernetes 1.37: HPA per-object `tolerance` is GA (KEP-4951, kubernetes#140107); StatefulSet
   * `maxUnavailable` is on by default again, the regression fixed (gate `MaxUnavailableStatefulSet`,
   * kubernetes#139466). `lifecycle.stopSignal` was planned to go beta here and missed the
   * release (KEP-4960, enhancements#6186): it stays alpha, behind `ContainerStopSignals`.
   */
  public static readonly V1_37 = new KubernetesVersion(1, 37);
  /**
   * Kubernetes 1.38: `lifecycle.stopSignal` is targeted for beta (KEP-4960, enhancements#6410).
   * Until a release says it is on by default, the constructs still need the gate named
   * (`withFeatureGates('ContainerStopSignals')`): an API server with the gate off drops the
   * field silently.
   */
  public static readonly V1_38 = new KubernetesVersion(1, 38);

  /**
   * A version from its text, e.g. `'1.31'` or `'v1.31.2'`.
   */
  public static of(version: string): KubernetesVersion {
    const m = typeof version === 'string' ? /^v?(\d+)\.(\d+)(?:\.\d+)?$/.exec(version.trim()) : null;
    if (!m) {
      throw new Error(`'kubernetesVersion' (${JSON.stringify(version)}) is not a Kubernetes version; write it as '1.31' or 'v1.31.2'`);
    }
    return new KubernetesVersion(Number(m[1]), Number(m[2]));
  }

  /** Feature gates, off by default in this version, that the target clusters enable, e.g. `ContainerStopSignals`. */
  public readonly featureGates: string[];

  private constructor(
    /** Major version. */
    public readonly major: number,
    /** Minor version. */
    public readonly minor: number,
    featureGates: string[] = []) {
    this.featureGates = [...featureGates].sort();
  }

  /**
   * This version with feature gates that are off by default turned on in the target clusters,
   * e.g. `KubernetesVersion.of('1.33').withFeatureGates('ContainerStopSignals')`. The constructs
   * emit an alpha field only when its gate is named here: an API server with the gate off
   * drops the field silently.
   *
   * @see https://kubernetes.io/docs/reference/command-line-tools-reference/feature-gates/
   */
  public withFeatureGates(...gates: string[]): KubernetesVersion {
    for (const gate of gates) {
      if (typeof gate !== 'string' || !/^[A-Z][A-Za-z0-9]+$/.test(gate)) {
        throw new Error(`'kubernetesVersion' feature gate (${JSON.stringify(gate)}) is not a feature gate name; write it as Kubernetes does, e.g. 'ContainerStopSignals'`);
      }
    }
    return new KubernetesVersion(this.major, this.minor, [...new Set([...this.featureGates, ...gates])]);
  }

  /** True when the feature gate is enabled with `withFeatureGates`. */
  public hasFeatureGate(gate: string): boolean {
    return this.featureGates.includes(gate);
  }

  /** True when this version is `other` or newer. */
  public isAtLeast(other: KubernetesVersion): boolean {
    return this.major > other.major || (this.major === other.major && this.minor >= other.minor);
  }

  /** `1.31`, or `1.33 with ContainerStopSignals` when feature gates are enabled. */
  public toString(): string {
    const version = `${this.major}.${this.minor}`;
    return this.featureGates.length === 0 ? version : `${version} with ${this.featureGates.join(', ')}`;
  }
}
