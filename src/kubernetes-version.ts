/**
 * The Kubernetes version of the target cluster, where a feature depends on it.
 */
export class KubernetesVersion {
  /** Kubernetes 1.27, the API the cdk8s-plus-27 types describe. */
  public static readonly V1_27 = new KubernetesVersion(1, 27);
  /** Kubernetes 1.30: the native preStop sleep action is beta and on by default (spec 1.7). */
  public static readonly V1_30 = new KubernetesVersion(1, 30);
  /** Kubernetes 1.34: the native preStop sleep action is GA (spec 1.7). */
  public static readonly V1_34 = new KubernetesVersion(1, 34);

  /**
   * A version from its text, e.g. `'1.31'` or `'v1.31.2'`.
   */
  public static of(version: string): KubernetesVersion {
    const m = /^v?(\d+)\.(\d+)(?:\.\d+)?$/.exec(version.trim());
    if (!m) {
      throw new Error(`'kubernetesVersion' (${JSON.stringify(version)}) is not a Kubernetes version; write it as '1.31' or 'v1.31.2'`);
    }
    return new KubernetesVersion(Number(m[1]), Number(m[2]));
  }

  private constructor(
    /** Major version. */
    public readonly major: number,
    /** Minor version. */
    public readonly minor: number) {}

  /** True when this version is `other` or newer. */
  public isAtLeast(other: KubernetesVersion): boolean {
    return this.major > other.major || (this.major === other.major && this.minor >= other.minor);
  }

  /** `1.31`. */
  public toString(): string {
    return `${this.major}.${this.minor}`;
  }
}
