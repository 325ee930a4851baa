// TrafficPath presets on GracefulService: each emits what its path needs, and the workload's
// shutdown budget covers the slowest path in front of it.
import { ApiObject, Duration, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { assertGracefulInvariants, ofKind, only, synthError, synthValid } from './util';
import { GkeBackendConfig, GracefulDeployment, GracefulService, TrafficPath } from '../src';
import { checkManifests, notesOf } from '../src/checks';

const image = 'ghcr.io/acme/api:1.4.2';
const probed = (): kplus.ContainerProps => ({ image, portNumber: 8080, readiness: kplus.Probe.fromHttpGet('/ready') });

function app(paths: TrafficPath[], options: { drain?: number; preStop?: number } = {}) {
  const chart = Testing.chart();
  const deployment = new GracefulDeployment(chart, 'api', {
    containers: [probed()],
    shutdown: {
      ...(options.drain !== undefined ? { drainTimeout: Duration.seconds(options.drain) } : {}),
      ...(options.preStop !== undefined ? { preStopDelay: Duration.seconds(options.preStop) } : {}),
    },
  });
  const service = new GracefulService(chart, 'svc', { workload: deployment, ports: [{ name: 'http', port: 80, targetPort: 8080 }], trafficPaths: paths });
  return { chart, deployment, service };
}

/** The rule: the preStop outlasts every path's lag, and grace > preStop + drain. */
function assertCovers(objects: any[], lagSeconds: number): void {
  const pod = only(objects, 'Deployment').spec.template.spec;
  const preStop = Number(pod.containers[0].lifecycle.preStop.exec.command[1]);
  expect(preStop).toBeGreaterThanOrEqual(lagSeconds);
  assertGracefulInvariants(objects);
  expect(checkManifests(objects).findings.filter(f => f.severity === 'error')).toEqual([]);
}

describe('TrafficPath presets', () => {
  test('numbers: every preset recommends a preStop at least its propagation delay', () => {
    const presets = [TrafficPath.kubeProxy(), TrafficPath.ingressNginx(), TrafficPath.gatewayApi(), TrafficPath.awsAlb(), TrafficPath.awsNlb(),
      TrafficPath.gkeNeg(), TrafficPath.azureAppGateway(), TrafficPath.headlessDns()];
    expect(presets.map(p => [p.name, p.propagationDelay.toSeconds(), p.recommendedPreStop.toSeconds()])).toEqual([
      ['kube-proxy (ClusterIP)', 1, 15], ['ingress-nginx', 5, 15], ['a Gateway API implementation (Envoy Gateway, Istio)', 5, 15],
      ['AWS ALB (IP targets)', 30, 60], ['AWS NLB (IP targets)', 120, 150], ['GKE container-native load balancing (NEG)', 30, 60],
      ['Azure Application Gateway (AGIC)', 90, 90], ['headless Service (DNS)', 30, 35],
    ]);
    for (const p of presets) {
      expect(p.recommendedPreStop.toSeconds()).toBeGreaterThanOrEqual(p.propagationDelay.toSeconds());
      expect(p.source.length).toBeGreaterThan(20);
    }
  });

  test('AWS ALB: preStop 60 s, grace 80 s, IP targets, deregistration delay = the drain, a note about the readiness gate', () => {
    const { chart, deployment, service } = app([TrafficPath.awsAlb()]);
    service.addIngress('/', { host: 'shop.example.com' });
    const objects = synthValid(chart);
    expect(deployment.shutdownBudget).toMatchObject({ preStopSeconds: 60, drainSeconds: 15, terminationGracePeriodSeconds: 80 });
    const svc = only(objects, 'Service');
    expect(svc.metadata.annotations).toEqual({
      'alb.ingress.kubernetes.io/target-group-attributes': 'deregistration_delay.timeout_seconds=15',
      'alb.ingress.kubernetes.io/target-type': 'ip',
      // The ALB health-checks the readiness probe's path (its default `/` can stall a rollout behind the readiness gate).
      'alb.ingress.kubernetes.io/healthcheck-path': '/ready',
    });
    const ingress = only(objects, 'Ingress');
    expect(ingress.spec.ingressClassName).toBe('alb');
    expect(ingress.spec.rules[0].host).toBe('shop.example.com');
    expect(notesOf(service).join('\n')).toContain('elbv2.k8s.aws/pod-readiness-gate-inject=enabled');
    assertCovers(objects, 30);
    expect(objects).toMatchSnapshot();
  });

  test('AWS NLB: a LoadBalancer Service with IP targets; preStop 150 s', () => {
    const { chart, deployment } = app([TrafficPath.awsNlb({ deregistrationDelay: Duration.seconds(30) })], { drain: 20 });
    const objects = synthValid(chart);
    const svc = only(objects, 'Service');
    expect(svc.spec.type).toBe('LoadBalancer');
    expect(svc.metadata.annotations).toMatchObject({
      'service.beta.kubernetes.io/aws-load-balancer-type': 'external',
      'service.beta.kubernetes.io/aws-load-balancer-nlb-target-type': 'ip',
      'service.beta.kubernetes.io/aws-load-balancer-target-group-attributes': 'deregistration_delay.timeout_seconds=30',
    });
    expect(deployment.shutdownBudget).toMatchObject({ preStopSeconds: 150, drainSeconds: 20, terminationGracePeriodSeconds: 175 });
    assertCovers(objects, 120);
  });

  test('GKE NEG: a typed BackendConfig with connection draining, attached by annotation; the Ingress picked by class annotation', () => {
    const { chart, service } = app([TrafficPath.gkeNeg()], { drain: 25 });
    service.exposeViaIngress('/');
    const objects = synthValid(chart);
    const backendConfig = only(objects, 'BackendConfig');
    expect(backendConfig).toMatchObject({ apiVersion: 'cloud.google.com/v1', spec: { connectionDraining: { drainingTimeoutSec: 25 } } });
    const svc = only(objects, 'Service');
    expect(svc.metadata.annotations['cloud.google.com/neg']).toBe('{"ingress": true}');
    expect(JSON.parse(svc.metadata.annotations['cloud.google.com/backend-config'])).toEqual({ default: backendConfig.metadata.name });
    const ingress = only(objects, 'Ingress');
    expect(ingress.metadata.annotations['kubernetes.io/ingress.class']).toBe('gce');
    expect(ingress.spec.ingressClassName).toBeUndefined();
    assertCovers(objects, 30);
  });

  test('Azure AGIC: preStop 90 s and the connection-draining annotations on the Ingress', () => {
    const { chart, deployment, service } = app([TrafficPath.azureAppGateway()]);
    service.addIngress('/', { tlsSecret: kplus.Secret.fromSecretName(chart, 'tls', 'shop-tls'), host: 'shop.example.com' });
    const objects = synthValid(chart);
    expect(deployment.shutdownBudget.preStopSeconds).toBe(90);
    const ingress = only(objects, 'Ingress');
    expect(ingress.spec.ingressClassName).toBe('azure-application-gateway');
    expect(ingress.metadata.annotations).toEqual({ 'appgw.ingress.kubernetes.io/connection-draining': 'true', 'appgw.ingress.kubernetes.io/connection-draining-timeout': '15' });
    expect(ingress.spec.tls).toEqual([{ hosts: ['shop.example.com'], secretName: 'shop-tls' }]);
    assertCovers(objects, 90);
  });

  test('headless DNS: a headless Service and a preStop covering the DNS cache', () => {
    const { chart, deployment } = app([TrafficPath.headlessDns({ cacheTime: Duration.seconds(60) })]);
    const objects = synthValid(chart);
    expect(only(objects, 'Service').spec.clusterIP).toBe('None');
    expect(deployment.shutdownBudget.preStopSeconds).toBe(65);
    assertCovers(objects, 60);
  });

  test('several paths: the slowest sets the budget', () => {
    const { deployment } = app([TrafficPath.ingressNginx(), TrafficPath.awsNlb(), TrafficPath.custom({ name: 'corporate F5', propagationDelay: Duration.seconds(40) })]);
    expect(deployment.shutdownBudget.preStopSeconds).toBe(150);
    expect(deployment.trafficPathsInFront.map(p => p.name)).toEqual(['kube-proxy (ClusterIP)', 'ingress-nginx', 'AWS NLB (IP targets)', 'corporate F5']);
  });

  test('a custom path keeps 10 s of room above its lag unless its preStop is given', () => {
    expect(TrafficPath.custom({ name: 'F5', propagationDelay: Duration.seconds(20) }).recommendedPreStop.toSeconds()).toBe(30);
    expect(TrafficPath.custom({ name: 'F5', propagationDelay: Duration.seconds(20), preStopDelay: Duration.seconds(25) }).recommendedPreStop.toSeconds()).toBe(25);
  });
});

describe('refusals', () => {
  test('an explicit preStop shorter than a path: refused at once with the path, the numbers and the fix', () => {
    expect(() => app([TrafficPath.awsAlb()], { preStop: 15 })).toThrow(
      /GracefulService 'svc': the workload's preStop delay \(15s\) must cover AWS ALB \(IP targets\), which may send new requests for up to 30s .*raise 'shutdown.preStopDelay' to at least 60s/);
  });

  test('a path added after construction and not covered fails synth', () => {
    const message = synthError(chart => {
      const d = new GracefulDeployment(chart, 'api', { containers: [probed()], shutdown: { preStopDelay: Duration.seconds(20) } });
      d.addTrafficPath(TrafficPath.awsNlb());
    });
    expect(message).toMatch(/'shutdown.preStopDelay' \(20s\) must cover the traffic path AWS NLB \(IP targets\), which may send new requests for up to 120s/);
  });

  test('a load balancer drain longer than preStop + drain fails synth', () => {
    const message = synthError(chart => {
      const d = new GracefulDeployment(chart, 'api', { containers: [probed()] });
      new GracefulService(chart, 'svc', { workload: d, trafficPaths: [TrafficPath.awsAlb({ deregistrationDelay: Duration.seconds(300) })] });
    });
    expect(message).toContain('the load balancer drain of AWS ALB (IP targets) (300s) must not exceed preStop (60s) + drain (15s) = 75s');
  });

  test('an explicit grace period that the paths outgrow fails synth with the numbers', () => {
    const message = synthError(chart => {
      const d = new GracefulDeployment(chart, 'api', { containers: [probed()], terminationGracePeriod: Duration.seconds(40) });
      new GracefulService(chart, 'svc', { workload: d, trafficPaths: [TrafficPath.awsAlb()] });
    });
    expect(message).toContain("'terminationGracePeriod' (40s) must be at least preStop (60s) + drain (15s) = 75s");
  });

  test('conflicting Service types are refused', () => {
    const chart = Testing.chart();
    const d = new GracefulDeployment(chart, 'api', { containers: [probed()] });
    expect(() => new GracefulService(chart, 'nlb', { workload: d, type: kplus.ServiceType.NODE_PORT, trafficPaths: [TrafficPath.awsNlb()] }))
      .toThrow("GracefulService 'nlb': 'type' (NodePort) must be LoadBalancer with TrafficPath.awsNlb(); omit 'type'");
    expect(() => new GracefulService(chart, 'both', { workload: d, trafficPaths: [TrafficPath.awsNlb(), TrafficPath.headlessDns()] }))
      .toThrow(/needs a LoadBalancer Service and TrafficPath.headlessDns\(\) a headless one/);
  });

  test('addIngress needs a class when two ingress paths are declared', () => {
    const { service } = app([TrafficPath.ingressNginx(), TrafficPath.awsAlb()]);
    expect(() => service.exposeViaIngress('/')).toThrow(/cannot tell which of the traffic paths ingress-nginx, AWS ALB \(IP targets\) this Ingress is for; pass its 'className'/);
    expect(service.addIngress('/', { className: 'alb' }).metadata).toBeDefined();
  });

  test('bad preset options: named, with the fix', () => {
    expect(() => TrafficPath.awsAlb({ deregistrationDelay: Duration.seconds(0) })).toThrow("TrafficPath.awsAlb 'deregistrationDelay' (0s) must be a positive, finite Duration; pass e.g. Duration.seconds(20)");
    expect(() => TrafficPath.custom({ name: '', propagationDelay: Duration.seconds(5) })).toThrow(/needs a 'name' for messages/);
    expect(() => TrafficPath.custom({ name: 'x', propagationDelay: 5 as any })).toThrow("TrafficPath.custom 'propagationDelay' must be a Duration (got 5); pass e.g. Duration.seconds(20)");
    expect(() => TrafficPath.custom({ name: 'x', propagationDelay: Duration.seconds(20), preStopDelay: Duration.seconds(10) }))
      .toThrow("'TrafficPath.custom' 'preStopDelay' (10s) must be at least its 'propagationDelay' (20s)");
    expect(() => new GkeBackendConfig(Testing.chart(), 'bc', { drainingTimeout: Duration.hours(2) })).toThrow(/'drainingTimeout' \(7200s\) must be a Duration from 0 to 3600 seconds/);
  });
});

describe('the rule pack sees the whole path at synth', () => {
  test('a Service annotation patched to the AWS default deregistration delay is caught (GS027)', () => {
    const message = synthError(chart => {
      const d = new GracefulDeployment(chart, 'api', { containers: [probed()] });
      const svc = new GracefulService(chart, 'svc', { workload: d, trafficPaths: [TrafficPath.awsAlb()] });
      svc.exposeViaIngress('/');
      ApiObject.of(svc).metadata.addAnnotation('alb.ingress.kubernetes.io/target-group-attributes', 'deregistration_delay.timeout_seconds=300');
    });
    expect(message).toMatch(/\[GS027\] Service 'test-svc-[0-9a-f]+': AWS ALB \(IP targets\) drains a removed pod for 300s/);
  });

  test('every object the presets emit is valid and graceful', () => {
    for (const path of [TrafficPath.ingressNginx(), TrafficPath.awsAlb(), TrafficPath.gkeNeg(), TrafficPath.azureAppGateway()]) {
      const { chart, service } = app([path]);
      service.exposeViaIngress('/');
      const objects = Testing.synth(chart);
      assertGracefulInvariants(objects);
      expect(checkManifests(objects).findings).toEqual([]);
      expect(ofKind(objects, 'Ingress')).toHaveLength(1);
    }
  });
});
