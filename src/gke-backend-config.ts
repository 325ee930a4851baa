import { ApiObject, Duration, GroupVersionKind } from 'cdk8s';
import { Construct } from 'constructs';
import { ceilSeconds } from './timing/shutdown-budget';

/**
 * Properties of a GkeBackendConfig.
 */
export interface GkeBackendConfigProps {
  /**
   * How long requests in flight to a removed pod may finish (`connectionDraining.drainingTimeoutSec`,
   * 0 to 3600 s). GKE's own default is 0: requests in flight are cut when the endpoint is detached.
   */
  readonly drainingTimeout: Duration;

  /**
   * Namespace of the BackendConfig: the Service's.
   *
   * @default - the chart's namespace
   */
  readonly namespace?: string;
}

/**
 * A GKE `BackendConfig` (cloud.google.com/v1) with connection draining, attached to a Service
 * with the `cloud.google.com/backend-config` annotation. Typed for the field the shutdown
 * budget needs; GracefulService creates one for `TrafficPath.gkeNeg()`.
 *
 * @see https://kubernetes.io/docs/concepts/services-networking/ingress/
 */
export class GkeBackendConfig extends ApiObject {
  /** The GVK of the BackendConfig. */
  public static readonly GVK: GroupVersionKind = { apiVersion: 'cloud.google.com/v1', kind: 'BackendConfig' };

  /** Connection draining, in whole seconds. */
  public readonly drainingTimeoutSeconds: number;

  constructor(scope: Construct, id: string, props: GkeBackendConfigProps) {
    const seconds = props.drainingTimeout instanceof Duration ? ceilSeconds(props.drainingTimeout) : NaN;
    if (!Number.isInteger(seconds) || seconds < 0 || seconds > 3600) {
      throw new Error(`GkeBackendConfig '${id}': 'drainingTimeout' (${Number.isNaN(seconds) ? JSON.stringify(props.drainingTimeout) : `${seconds}s`}) must be a Duration `
        + 'from 0 to 3600 seconds (the range GKE accepts)');
    }
    super(scope, id, {
      ...GkeBackendConfig.GVK,
      metadata: { namespace: props.namespace },
      spec: { connectionDraining: { drainingTimeoutSec: seconds } },
    });
    this.drainingTimeoutSeconds = seconds;
  }
}
