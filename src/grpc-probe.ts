import * as kplus from './_kplus';
import { grpcProbe } from './_kplus';

/**
 * Options of a gRPC probe: the port and service of the gRPC health checking protocol, and the
 * probe's timings.
 *
 * @see https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/#configure-probes
 */
export interface GrpcProbeOptions extends kplus.ProbeOptions {
  /**
   * The port the container serves the gRPC health service on.
   *
   * @default - the container's port (`portNumber`)
   */
  readonly port?: number;

  /**
   * The service name sent in the `HealthCheckRequest`, for a server that reports the health of
   * each of its services.
   *
   * @default - none: the server's overall health
   */
  readonly service?: string;
}

/**
 * A readiness, liveness or startup probe that calls the container's gRPC health service
 * (`grpc.health.v1.Health/Check`, GA in Kubernetes 1.27): no HTTP endpoint or `grpc_health_probe`
 * binary in the image.
 *
 * The same in every package: graceful-k8s-33 and -34 return cdk8s-plus's own
 * `Probe.fromGrpc`; graceful-k8s (cdk8s-plus-27, which has none) a probe that renders the
 * Kubernetes 1.27 `grpc` action.
 *
 * @see https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/#define-a-grpc-liveness-probe
 */
export class GrpcProbe {
  /**
   * A probe of the gRPC health service, e.g. `readiness: GrpcProbe.of({ port: 9090 })`.
   */
  public static of(options: GrpcProbeOptions = {}): kplus.Probe {
    const { port, service, ...timing } = options ?? {};
    // semantics 7.4: a probe's port is 1-65535.
    if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535)) {
      throw new Error(`'GrpcProbe.of' port (${JSON.stringify(port)}) must be a whole number from 1 to 65535; pass the port of the gRPC health service, e.g. GrpcProbe.of({ port: 9090 })`);
    }
    if (service !== undefined && typeof service !== 'string') {
      throw new Error(`'GrpcProbe.of' service (${JSON.stringify(service)}) must be a string, the service name of the HealthCheckRequest; or leave it out for the server's overall health`);
    }
    return grpcProbe(port, service, timing);
  }

  private constructor() {}
}
