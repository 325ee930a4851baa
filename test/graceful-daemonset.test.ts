import { Duration, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { assertGracefulInvariants, ofKind, only, synthError, synthValid } from './util';
import { GracefulDaemonSet, GracefulDaemonSetProps, GracefulDaemonSetStrategy, GracefulService, KubernetesVersion, TrafficPath } from '../src';
import { checkManifests, notesOf, warningsOf } from '../src/checks';

/** An ingress controller serving 8080, probed on its own health port. */
const edge = (extra: Partial<kplus.ContainerProps> = {}): kplus.ContainerProps => ({
  image: 'ghcr.io/acme/edge-proxy:3.1.0',
  portNumber: 8080,
  readiness: kplus.Probe.fromHttpGet('/healthz', { port: 8080 }),
  ...extra,
});
/** The same, binding node port 80. */
const hostPorted = (): kplus.ContainerProps => edge({ portNumber: undefined, ports: [{ number: 8080, hostPort: 80, name: 'http' }] });

function synthDaemonSet(props: GracefulDaemonSetProps, paths: TrafficPath[] = []) {
  const chart = Testing.chart();
  const ds = new GracefulDaemonSet(chart, 'edge', props);
  const service = new GracefulService(chart, 'lb', { workload: ds, trafficPaths: paths });
  const objects = synthValid(chart);
  return { chart, ds, service, objects, manifest: only(objects, 'DaemonSet') };
}

describe('GracefulDaemonSet', () => {
  test('defaults: a surge pod on each node (no gap), no PDB; snapshot', () => {
    const { objects, manifest, ds } = synthDaemonSet({ containers: [edge()] });
    expect(objects).toMatchSnapshot();
    expect(manifest.spec.updateStrategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } });
    expect(manifest.spec.minReadySeconds).toBe(10);
    expect(manifest.spec.template.spec.terminationGracePeriodSeconds).toBe(35);
    // Node drains skip DaemonSet pods: no PodDisruptionBudget, no spread.
    expect(ofKind(objects, 'PodDisruptionBudget')).toEqual([]);
    expect(manifest.spec.template.spec.topologySpreadConstraints).toBeUndefined();
    expect(ds.bindsHostPorts).toBe(false);
    assertGracefulInvariants(objects);
    expect(checkManifests(objects).findings).toEqual([]);
  });

  test('host ports forbid a surge pod: replace one node at a time, with the reason noted', () => {
    const { manifest, ds, objects } = synthDaemonSet({ containers: [hostPorted()] });
    expect(ds.bindsHostPorts).toBe(true);
    expect(manifest.spec.updateStrategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } });
    expect(notesOf(ds)).toEqual([expect.stringMatching(/^the pods bind host ports \(or the host network\), so a second pod cannot start on a node: updates use maxUnavailable 1/)]);
    assertGracefulInvariants(objects);
    expect(checkManifests(objects).findings).toEqual([]);
  });

  test('the host network forbids it too', () => {
    const { manifest } = synthDaemonSet({ containers: [edge()], hostNetwork: true });
    expect(manifest.spec.updateStrategy.rollingUpdate).toEqual({ maxSurge: 0, maxUnavailable: 1 });
  });

  test('a container added later with a hostPort changes the strategy', () => {
    const chart = Testing.chart();
    const ds = new GracefulDaemonSet(chart, 'edge', { containers: [edge()] });
    ds.addContainer({ name: 'metrics', image: 'ghcr.io/acme/exporter:1', ports: [{ number: 9100, hostPort: 9100, name: 'metrics' }] });
    expect(only(synthValid(chart), 'DaemonSet').spec.updateStrategy.rollingUpdate).toEqual({ maxSurge: 0, maxUnavailable: 1 });
  });

  test('node-local load balancer: the preStop outlasts its health checks; the Service keeps traffic on the node', () => {
    const { ds, objects, manifest } = synthDaemonSet({ containers: [hostPorted()] }, [TrafficPath.nodeLocal()]);
    const service = only(objects, 'Service');
    expect(service.spec).toMatchObject({ type: 'LoadBalancer', externalTrafficPolicy: 'Local', publishNotReadyAddresses: false });
    // 10 s × 3 checks + kube-proxy's 1 s, with 10 s of room: preStop 41 s, grace 41 + 15 + 5.
    expect(ds.shutdownBudget.preStopSeconds).toBe(41);
    expect(manifest.spec.template.spec.terminationGracePeriodSeconds).toBe(61);
    assertGracefulInvariants(objects);
    expect(checkManifests(objects).findings).toEqual([]);
  });

  test('node-local path with the load balancer\'s own numbers, on the workload (no Service)', () => {
    const chart = Testing.chart();
    const ds = new GracefulDaemonSet(chart, 'edge', {
      containers: [hostPorted()],
      trafficPaths: [TrafficPath.nodeLocal({ healthCheckInterval: Duration.seconds(5), unhealthyThreshold: 2 })],
    });
    const objects = synthValid(chart);
    expect(ds.shutdownBudget.preStopSeconds).toBe(5 * 2 + 1 + 10);
    expect(only(objects, 'DaemonSet').spec.template.spec.containers[0].lifecycle.preStop).toEqual({ exec: { command: ['sleep', '21'] } });
  });

  test('can replace in place with a reason, or not update at all', () => {
    const replaced = synthDaemonSet({ containers: [edge()], strategy: GracefulDaemonSetStrategy.replace(), allowCapacityDrop: 'node-local cache, a gap of seconds is fine' });
    expect(replaced.manifest.spec.updateStrategy.rollingUpdate).toEqual({ maxSurge: 0, maxUnavailable: 1 });
    expect(checkManifests(replaced.objects).suppressed.map(f => f.ruleId)).toEqual(['GS007']);
    const manual = synthDaemonSet({ containers: [edge()], strategy: GracefulDaemonSetStrategy.onDelete() });
    expect(manual.manifest.spec.updateStrategy).toEqual({ type: 'OnDelete' });
  });

  test('surge by a percentage of the nodes', () => {
    const { manifest } = synthDaemonSet({ containers: [edge()], strategy: GracefulDaemonSetStrategy.surge(kplus.PercentOrAbsolute.percent(10)) });
    expect(manifest.spec.updateStrategy.rollingUpdate).toEqual({ maxSurge: '10%', maxUnavailable: 0 });
  });

  test('fails synth on a surge with host ports (GS029) and on a replace without a reason (GS007)', () => {
    const surge = synthError(chart => new GracefulDaemonSet(chart, 'edge', { containers: [hostPorted()], strategy: GracefulDaemonSetStrategy.surge() }));
    expect(surge).toMatch(/\[GS029\] DaemonSet 'test-edge-[0-9a-f]+': maxSurge 1 but the pods bind host ports: the surge pod cannot start next to the old one\. .*\(option: 'strategy'\)/);
    const replace = synthError(chart => {
      const ds = new GracefulDaemonSet(chart, 'edge', { containers: [edge()], strategy: GracefulDaemonSetStrategy.replace() });
      new GracefulService(chart, 'lb', { workload: ds });
    });
    expect(replace).toMatch(/\[GS007\] DaemonSet 'test-edge-[0-9a-f]+': maxUnavailable 1 with maxSurge 0: each node's pod stops before its replacement is ready.*accept it with 'allowCapacityDrop: "<reason>"'/);
  });

  test('refuses a strategy the API server rejects', () => {
    expect(() => new GracefulDaemonSet(Testing.chart(), 'edge', { containers: [edge()], strategy: GracefulDaemonSetStrategy.surge(kplus.PercentOrAbsolute.percent(150)) }))
      .toThrow("'strategy maxSurge' (150%) must be at most 100%; the API server rejects more. Use at most PercentOrAbsolute.percent(100)");
    expect(() => new GracefulDaemonSet(Testing.chart(), 'edge', { containers: [edge()], strategy: GracefulDaemonSetStrategy.replace(kplus.PercentOrAbsolute.absolute(0)) }))
      .toThrow("'strategy maxUnavailable' (0) must not be 0; the API server rejects it. Use at least 1");
    expect(() => new GracefulDaemonSet(Testing.chart(), 'edge', { containers: [edge()], minReadySeconds: 1.5 }))
      .toThrow("'minReadySeconds' (1.5) must be a whole number of zero or more");
  });

  test('can configure minReady as a Duration, as the other graceful workloads take it', () => {
    const { manifest, ds } = synthDaemonSet({ containers: [edge()], minReady: Duration.seconds(30) });
    expect(manifest.spec.minReadySeconds).toBe(30);
    expect(ds.minReady.toSeconds()).toBe(30);
  });

  test('the deprecated minReadySeconds still works', () => {
    const { manifest, ds } = synthDaemonSet({ containers: [edge()], minReadySeconds: 20 });
    expect(manifest.spec.minReadySeconds).toBe(20);
    expect(ds.minReady.toSeconds()).toBe(20);
  });

  test('throws if minReady and the deprecated minReadySeconds are both set, or minReady is not whole seconds', () => {
    expect(() => new GracefulDaemonSet(Testing.chart(), 'edge', { containers: [edge()], minReady: Duration.seconds(30), minReadySeconds: 30 }))
      .toThrow("GracefulDaemonSet 'edge':\n  'minReady' (30s) and the deprecated 'minReadySeconds' (30) are the same setting; keep 'minReady'");
    expect(() => new GracefulDaemonSet(Testing.chart(), 'edge', { containers: [edge()], minReady: Duration.millis(1500) }))
      .toThrow("'minReady' (1.5s) must be whole seconds: Kubernetes writes it in seconds; use Duration.seconds(2)");
  });
});

describe('node agents without a port (log shippers)', () => {
  /** fluent-bit tailing the node's logs: no port, nothing routes to it. */
  const shipper = (): kplus.ContainerProps => ({ name: 'fluent-bit', image: 'fluent/fluent-bit:3.0', liveness: kplus.Probe.fromCommand(['/fluent-bit/bin/fluent-bit', '--dry-run']) });

  test('no preStop delay by default: the kubelet stops it at once, and the grace covers its drain', () => {
    const chart = Testing.chart();
    const ds = new GracefulDaemonSet(chart, 'logs', { containers: [shipper()] });
    const objects = synthValid(chart);
    const manifest = only(objects, 'DaemonSet');
    const container = manifest.spec.template.spec.containers[0];
    expect(container.lifecycle).toBeUndefined();
    // drain 15 s + margin 5 s: no preStop in front of SIGTERM
    expect(manifest.spec.template.spec.terminationGracePeriodSeconds).toBe(20);
    expect(ds.shutdownBudget.preStopSeconds).toBe(0);
    expect(ds.containerBudgets).toEqual([{ container: 'fluent-bit', sidecar: false, preStopSeconds: 0, drainSeconds: 15, sigtermAtSeconds: 0, doneAtSeconds: 15 }]);
    expect(checkManifests(objects).findings).toEqual([]);
  });

  test('a delay set for it is kept', () => {
    const chart = Testing.chart();
    new GracefulDaemonSet(chart, 'logs', { containers: [shipper()], shutdown: { preStopDelay: Duration.seconds(5) }, kubernetesVersion: KubernetesVersion.V1_30 });
    const container = only(synthValid(chart), 'DaemonSet').spec.template.spec.containers[0];
    expect(container.lifecycle.preStop).toEqual({ sleep: { seconds: 5 } });
  });

  test('an agent that must be alone on its node: replace() needs no reason when nothing routes to it', () => {
    const chart = Testing.chart();
    new GracefulDaemonSet(chart, 'logs', { containers: [shipper()], strategy: GracefulDaemonSetStrategy.replace() });
    const objects = synthValid(chart);
    expect(only(objects, 'DaemonSet').spec.updateStrategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } });
    expect(checkManifests(objects).findings).toEqual([]);
  });

  test('a derived grace period over 600 s warns like an explicit one', () => {
    const chart = Testing.chart();
    const ds = new GracefulDaemonSet(chart, 'logs', { containers: [shipper()], shutdown: { drainTimeout: Duration.minutes(10) } });
    synthValid(chart);
    expect(warningsOf(ds)).toEqual(["'terminationGracePeriod' (derived: preStop 0s + drain 600s + margin 5s = 605s) is more than 600s: cluster-autoscaler gives "
      + 'a pod at most 600s when it removes a node (--max-graceful-termination-sec), so the drain is cut there (semantics 7.10); shorten '
      + "'shutdown.drainTimeout' (or a sidecar's) if the app can finish sooner"]);
  });
});
