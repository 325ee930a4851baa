/**
 * The Kubernetes version of the target cluster, and the alpha feature gates it enables, where a
 * feature depends on them.
 */
export class KubernetesVersion {
  /** Kubernetes 1.27, the API of the cdk8s-plus-27 types. */
  public static readonly V1_27 = new KubernetesVersion(1, 27);
  /** Kubernetes 1.29: native sidecars (init containers with `restartPolicy: Always`) are beta and on by default (spec 1.9). */
  public static readonly V1_29 = new KubernetesVersion(1, 29);
  /** Kubernetes 1.30: the native preStop sleep action is beta and on by default (spec 1.7). */
  public static readonly V1_30 = new KubernetesVersion(1, 30);
  /** Kubernetes 1.33: native sidecars are GA; `lifecycle.stopSignal` is alpha (spec 1.8, 1.9). */
  public static readonly V1_33 = new KubernetesVersion(1, 33);
  /** Kubernetes 1.34: the native preStop sleep action is GA (spec 1.7). */
  public static readonly V1_34 = new KubernetesVersion(1, 34);

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

  /** Alpha (off by default) feature gates the target clusters enable, e.g. `ContainerStopSignals`. */
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
