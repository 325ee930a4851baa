import { Duration, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { assertGracefulInvariants, ofKind, only, synthError, synthValid } from './util';
import { GracefulDaemonSet, GracefulDaemonSetProps, GracefulDaemonSetStrategy, GracefulService, TrafficPath } from '../src';
import { checkManifests, notesOf } from '../src/checks';

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
});
