import { ApiObject, Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { checkManifests, errorMessages } from './checks/engine';
import { GracefulDeployment } from './graceful-deployment';
import { workloadOf } from './manifest/workload';
import { ceilSeconds } from './timing/shutdown-budget';

/**
 * Properties of a GracefulService.
 */
export interface GracefulServiceProps extends kplus.ResourceProps {
  /**
   * The workload whose pods the Service selects. A plain cdk8s-plus Deployment is
   * accepted only if every serving container has a readiness probe.
   */
  readonly workload: kplus.Deployment;

  /**
   * Ports of the Service.
   *
   * @default - one port per container port of the workload, same number
   */
  readonly ports?: kplus.ServicePort[];

  /**
   * Type of the Service.
   *
   * @default kplus.ServiceType.CLUSTER_IP - in-cluster traffic; expose with an Ingress
   */
  readonly type?: kplus.ServiceType;

  /**
   * Source ranges for a LoadBalancer Service.
   *
   * @default - no restriction
   */
  readonly loadBalancerSourceRanges?: string[];

  /**
   * How long an ingress controller in front of this Service takes to stop routing to a
   * removed endpoint. `exposeViaIngress` checks that the workload's preStop delay covers it.
   *
   * @default Duration.seconds(5) - ingress-nginx's worst case with default settings is
   * ≈ 4.3 s (sync rate 0.3/s + 1 s Lua poll, spec 5.2); raise it for cloud load balancers
   */
  readonly ingressPropagationDelay?: Duration;
}

/**
 * A Service in front of a GracefulDeployment (or a cdk8s-plus Deployment with readiness
 * probes): selects its pods, exposes its ports, and never publishes not-ready addresses,
 * so only Ready, non-terminating pods receive new connections (spec 1.3, 4.2).
 */
export class GracefulService extends kplus.Service {
  /** The workload behind the Service. */
  public readonly workload: kplus.Deployment;
  /** Propagation lag of an ingress in front of the Service. */
  public readonly ingressPropagationDelay: Duration;

  constructor(scope: Construct, id: string, props: GracefulServiceProps) {
    const ports = props.ports ?? kplus.extractContainerPorts(props.workload).map(p => ({
      port: p.number, targetPort: p.number, protocol: p.protocol, name: p.name,
    }));
    if (ports.length === 0) {
      throw new Error(`GracefulService '${id}': the workload '${props.workload.node.id}' declares no container port and 'ports' is not set; `
        + 'add `portNumber` to its container or pass `ports: [{ port: 80, targetPort: 8080 }]`');
    }
    if (ports.length > 1 && ports.some(p => !p.name)) {
      throw new Error(`GracefulService '${id}': ${ports.length} ports need a name each (got ${ports.map(p => p.name ?? '<unnamed>').join(', ')}); name the container ports or pass named 'ports'`);
    }
    super(scope, id, {
      metadata: props.metadata,
      selector: props.workload,
      ports,
      type: props.type ?? kplus.ServiceType.CLUSTER_IP,
      loadBalancerSourceRanges: props.loadBalancerSourceRanges,
    });
    this.workload = props.workload;
    this.ingressPropagationDelay = props.ingressPropagationDelay ?? Duration.seconds(5);
    if (!(props.workload instanceof GracefulDeployment)) {
      // A GracefulDeployment validates itself; a plain Deployment must at least be probed.
      this.node.addValidation({ validate: () => this.validatePlainWorkload() });
    }
  }

  /**
   * Exposes the Service through an Ingress, after checking that the workload's preStop
   * delay outlasts the ingress controller's propagation lag.
   */
  public exposeViaIngress(path: string, options: kplus.ExposeServiceViaIngressOptions = {}): kplus.Ingress {
    const lag = ceilSeconds(this.ingressPropagationDelay);
    const preStop = this.workloadPreStopSeconds();
    if (preStop < lag) {
      throw new Error(`GracefulService '${this.node.id}': the workload's preStop delay (${preStop}s) must cover the ingress propagation delay (${lag}s), `
        + `or the ingress keeps sending new requests to pods that are shutting down; raise 'shutdown.preStopDelay' to at least ${lag}s (or lower 'ingressPropagationDelay' if your ingress is faster)`);
    }
    return super.exposeViaIngress(path, options);
  }

  /** @internal */
  public _toKube(): kplus.k8s.ServiceSpec {
    // Explicit, so a later patch or default change cannot let not-ready pods in (spec 1.3).
    return { ...super._toKube(), publishNotReadyAddresses: false };
  }

  /** Shortest preStop delay among the workload's containers. */
  private workloadPreStopSeconds(): number {
    if (this.workload instanceof GracefulDeployment) {
      return this.workload.shutdownBudget.preStopSeconds;
    }
    const seconds = (workloadOf(ApiObject.of(this.workload).toJson())?.containers ?? []).map(c => c.preStop.seconds ?? 0);
    return seconds.length > 0 ? Math.min(...seconds) : 0;
  }

  private validatePlainWorkload(): string[] {
    const json = ApiObject.of(this.workload).toJson();
    if (!workloadOf(json)) {
      return [];
    }
    const report = checkManifests([json]);
    return errorMessages({ ...report, problems: [], findings: report.findings.filter(f => f.ruleId === 'GS001') })
      .map(m => `GracefulService '${this.node.id}' refuses to front a workload that is not probed: ${m}`);
  }
}
