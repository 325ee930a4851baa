// A release of a RainbowDeployment: its version, containers and state. Apart from the
// RainbowDeployment so that the checks of its props (src/_rainbow-checks.ts) read releases
// without importing the construct that runs them.
import { Duration } from 'cdk8s';
import * as kplus from './_kplus';
import { versionFromImage } from './_rainbow-names';
import { describeDuration, isFiniteDurationOf } from './timing/duration';

/**
 * Where a release is in its life. A release goes `STAGED` (optional) → `ACTIVE` →
 * `DRAINING` → `RETIRED`, one commit per step; only the state changes, never its pods.
 *
 * @see https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/
 */
export enum ReleaseState {
  /**
   * Running and scaled like the active release, not selected by the Service: the step before
   * ACTIVE, so the Service switches only to pods that are already Ready. Needed with Flux or
   * kubectl, which apply the switch and the new Deployment at once; Argo CD orders them itself
   * (the Service is in a later sync wave).
   */
  STAGED = 'staged',
  /** Selected by the Service: every new connection goes to this release. Exactly one. */
  ACTIVE = 'active',
  /**
   * No longer selected: gets no new connections and keeps serving the ones it holds until
   * they end; then KEDA scales it to zero (`scaleToZero`), or you scale it down by hand.
   */
  DRAINING = 'draining',
  /** Not emitted: the GitOps tool prunes its objects. Kept in the list so its name is never reused. */
  RETIRED = 'retired',
}

/**
 * Options of `RainbowRelease.fromImage`.
 */
export interface RainbowReleaseOptions {
  /**
   * The release's version: its name is `<name>-<version>` and its pods carry it in the
   * `graceful-k8s.io/release` label.
   *
   * @default - derived from the image: its tag, its digest's first 12 hex digits, or both
   */
  readonly version?: string;

  /**
   * Replicas while the release drains, when the RainbowDeployment has no `scaleToZero`: lower it
   * by hand only as connections end (each removed pod cuts what it holds), 0 once idle.
   *
   * @default - unchanged: the RainbowDeployment's `replicas`, or, with `autoscaling`, no
   * `spec.replicas` at all, so the count the HPA left stays
   * @see https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#scaling-a-deployment
   */
  readonly replicas?: number;

  /**
   * How long this release may drain before it is retired, recorded in the
   * `graceful-k8s.io/drain-for-seconds` annotation.
   *
   * @default - the RainbowDeployment's `drainFor`
   * @see https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-termination
   */
  readonly drainFor?: Duration;

  /**
   * When the release started draining (ISO 8601, e.g. '2026-11-20T10:00:00Z'); with `drainFor`
   * it gives the `graceful-k8s.io/retire-after` time, and synth warns once it has passed.
   *
   * @default - not recorded
   */
  readonly drainingSince?: string;

  /**
   * The hash of the release's pod template as first rendered (the `graceful-k8s.io/template-hash`
   * annotation). Synth fails when the template renders differently, for instance after a change
   * of settings every release shares: applying it would replace the release's pods and cut their
   * connections.
   *
   * @default - not pinned: review the release's YAML diff instead
   * @see https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#pod-template-hash-label
   */
  readonly templateHash?: string;
}

/**
 * Properties of `RainbowRelease.of`: a release with containers of its own.
 */
export interface RainbowReleaseProps {
  /** The release's version (a tag, a commit, a content hash). */
  readonly version: string;

  /** Where the release is in its life. */
  readonly state: ReleaseState;

  /** The release's containers. */
  readonly containers: kplus.ContainerProps[];

  /**
   * Replicas while the release drains without `scaleToZero`.
   *
   * @default - unchanged (see `RainbowReleaseOptions.replicas`)
   */
  readonly replicas?: number;

  /**
   * How long this release may drain before it is retired.
   *
   * @default - the RainbowDeployment's `drainFor`
   */
  readonly drainFor?: Duration;

  /**
   * When the release started draining (ISO 8601).
   *
   * @default - not recorded
   */
  readonly drainingSince?: string;

  /**
   * The pinned hash of the release's pod template.
   *
   * @default - not pinned
   */
  readonly templateHash?: string;
}

const TEMPLATE_HASH = /^[0-9a-f]{12}$/;

/**
 * One release of a RainbowDeployment: a version, its containers and its state. A release's pod
 * template never changes after it is created; a new build or configuration is a new release.
 */
export class RainbowRelease {
  /**
   * A release of an image, in one line: the version comes from the image's tag or digest and
   * the container from the RainbowDeployment's `container`.
   *
   * @example RainbowRelease.fromImage('ghcr.io/acme/chat:1.4.2', ReleaseState.ACTIVE)
   */
  public static fromImage(image: string, state: ReleaseState, options: RainbowReleaseOptions = {}): RainbowRelease {
    const version = options.version ?? versionFromImage(image);
    return new RainbowRelease({ ...options, version, state, containers: [] }, image);
  }

  /**
   * A release with containers of its own.
   */
  public static of(props: RainbowReleaseProps): RainbowRelease {
    if (!Array.isArray(props.containers) || props.containers.length === 0) {
      throw new Error(`RainbowRelease '${props.version}': 'containers' must list at least one container`);
    }
    return new RainbowRelease(props);
  }

  /**
   * The version an image stands for: `1.4.2` for `ghcr.io/acme/chat:1.4.2`, the digest's first
   * 12 hex digits for `…@sha256:…`, both joined by '-' when the image has both.
   */
  public static versionOf(image: string): string {
    return versionFromImage(image);
  }

  /** The version, as given or derived. */
  public readonly version: string;
  /** Where the release is in its life. */
  public readonly state: ReleaseState;
  /** The image, for releases made with `fromImage`. */
  public readonly image?: string;
  /** The containers, for releases made with `of`. */
  public readonly containers?: kplus.ContainerProps[];
  /** Replicas while draining without scale-to-zero. */
  public readonly replicas?: number;
  /** How long it may drain. */
  public readonly drainFor?: Duration;
  /** When it started draining. */
  public readonly drainingSince?: string;
  /** The pinned pod template hash. */
  public readonly templateHash?: string;

  private constructor(props: RainbowReleaseProps, image?: string) {
    const problems: string[] = [];
    if (typeof props.version !== 'string' || props.version.trim() === '') {
      problems.push(`'version' (${JSON.stringify(props.version)}) must be a non-empty string, e.g. the image tag`);
    }
    if (!Object.values(ReleaseState).includes(props.state)) {
      problems.push(`'state' (${JSON.stringify(props.state)}) must be a ReleaseState: STAGED, ACTIVE, DRAINING or RETIRED`);
    }
    if (props.replicas !== undefined && (!Number.isInteger(props.replicas) || props.replicas < 0)) {
      problems.push(`'replicas' (${props.replicas}) must be a whole number of zero or more`);
    }
    if (props.drainFor !== undefined && !isFiniteDurationOf(props.drainFor, 0, false)) {
      problems.push(`'drainFor' (${describeDuration(props.drainFor)}) must be a positive, finite Duration, e.g. Duration.hours(2)`);
    }
    if (props.drainingSince !== undefined && !isIsoTime(props.drainingSince)) {
      problems.push(`'drainingSince' (${JSON.stringify(props.drainingSince)}) must be an ISO 8601 time such as '2026-11-20T10:00:00Z'`);
    }
    if (props.templateHash !== undefined && !TEMPLATE_HASH.test(props.templateHash)) {
      problems.push(`'templateHash' (${JSON.stringify(props.templateHash)}) must be 12 lowercase hex digits, as the graceful-k8s.io/template-hash annotation shows`);
    }
    if (problems.length > 0) {
      throw new Error(`RainbowRelease '${props.version}':\n  ${problems.join('\n  ')}`);
    }
    this.version = props.version;
    this.state = props.state;
    this.image = image;
    this.containers = image === undefined ? [...props.containers] : undefined;
    this.replicas = props.replicas;
    this.drainFor = props.drainFor;
    this.drainingSince = props.drainingSince;
    this.templateHash = props.templateHash;
  }
}

const ISO_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?$/;

/** An ISO 8601 time such as 2026-11-20T10:00:00Z. */
function isIsoTime(text: string): boolean {
  return typeof text === 'string' && ISO_TIME.test(text) && !Number.isNaN(Date.parse(text));
}
