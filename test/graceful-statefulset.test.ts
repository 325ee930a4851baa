import { Duration, Size, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { assertGracefulInvariants, ofKind, only, synthError, synthValid } from './util';
import { GracefulChecks, GracefulService, GracefulStatefulSet, GracefulStatefulSetProps, KubernetesVersion, TrafficPath } from '../src';
import { checkManifests, warningsOf } from '../src/checks';

const redis = (extra: Partial<kplus.ContainerProps> = {}): kplus.ContainerProps => ({
  image: 'redis:7.4.1',
  portNumber: 6379,
  readiness: kplus.Probe.fromCommand(['redis-cli', 'ping']),
  ...extra,
});

function synthStatefulSet(props: Partial<GracefulStatefulSetProps> = {}, client = true) {
  const chart = Testing.chart();
  const sts = new GracefulStatefulSet(chart, 'redis', { containers: [redis()], ...props });
  const service = client ? new GracefulService(chart, 'client', { workload: sts }) : undefined;
  const objects = synthValid(chart);
  return { chart, sts, service, objects, manifest: only(objects, 'StatefulSet') };
}

const services = (objects: any[]) => ofKind(objects, 'Service');

describe('GracefulStatefulSet defaults', () => {
  test('snapshot', () => {
    const { objects } = synthStatefulSet();
    expect(objects).toMatchSnapshot();
  });

  test('three replicas, one pod at a time, minReady and the derived grace period', () => {
    const { sts, manifest } = synthStatefulSet();
    expect(manifest.spec.replicas).toBe(3);
    expect(manifest.spec.updateStrategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { partition: 0 } });
    expect(manifest.spec.podManagementPolicy).toBe('OrderedReady');
    expect(manifest.spec.minReadySeconds).toBe(10);
    expect(sts.shutdownBudget.terminationGracePeriodSeconds).toBe(35);
    expect(manifest.spec.template.spec.terminationGracePeriodSeconds).toBe(35);
    expect(manifest.spec.template.spec.containers[0].lifecycle.preStop).toEqual({ exec: { command: ['sleep', '15'] } });
    // The alpha maxUnavailable is never emitted unless opted in.
    expect(manifest.spec.updateStrategy.rollingUpdate.maxUnavailable).toBeUndefined();
  });

  test('governing Service: headless, for peer discovery; client Service: never publishes not-ready pods', () => {
    const { sts, objects, manifest } = synthStatefulSet();
    const [peers, client] = services(objects);
    expect(manifest.spec.serviceName).toBe(peers.metadata.name);
    expect(sts.peerService).toBeInstanceOf(GracefulService);
    expect(peers.spec).toMatchObject({ clusterIP: 'None', publishNotReadyAddresses: true, selector: manifest.spec.selector.matchLabels });
    expect(client.spec.clusterIP).toBeUndefined();
    expect(client.spec.publishNotReadyAddresses).toBe(false);
    expect(client.spec.selector).toEqual(manifest.spec.selector.matchLabels);
  });

  test('PDB and spread, as for a Deployment', () => {
    const { objects, manifest } = synthStatefulSet();
    expect(only(objects, 'PodDisruptionBudget').spec).toEqual({
      maxUnavailable: 1, selector: { matchLabels: manifest.spec.selector.matchLabels }, unhealthyPodEvictionPolicy: 'AlwaysAllow',
    });
    expect(manifest.spec.template.spec.topologySpreadConstraints.map((c: any) => c.topologyKey)).toEqual(['kubernetes.io/hostname', 'topology.kubernetes.io/zone']);
  });

  test('passes the rule pack with zero findings and holds the invariants', () => {
    const { objects, sts } = synthStatefulSet();
    assertGracefulInvariants(objects);
    expect(checkManifests(objects).findings).toEqual([]);
    expect(warningsOf(sts)).toEqual([]);
  });
});

describe('GracefulStatefulSet options', () => {
  test('volume claims: one volume per pod, mounted in every app container', () => {
    const { manifest, objects } = synthStatefulSet({ volumeClaims: [{ name: 'data', storage: Size.gibibytes(10), mountPath: '/data', storageClassName: 'fast' }] });
    expect(manifest.spec.volumeClaimTemplates).toEqual([{
      metadata: { name: 'data' },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '10Gi' } }, storageClassName: 'fast' },
    }]);
    expect(manifest.spec.template.spec.containers[0].volumeMounts).toEqual([{ mountPath: '/data', name: 'data' }]);
    // A StatefulSet's own volumes are not GS030's concern (that is a Deployment's shared RWO claim).
    expect(checkManifests(objects).findings).toEqual([]);
  });

  test('partition holds lower ordinals: a staged rollout', () => {
    const { manifest, sts } = synthStatefulSet({ replicas: 5, strategy: kplus.StatefulSetUpdateStrategy.rollingUpdate({ partition: 3 }) });
    expect(manifest.spec.updateStrategy.rollingUpdate.partition).toBe(3);
    expect(sts.rolloutPlan({ startupTime: Duration.seconds(20) })).toMatchObject({ updatedOrdinals: [4, 3], heldOrdinals: [0, 1, 2] });
  });

  test('a partition at or above the replicas updates nothing: a warning', () => {
    const { sts } = synthStatefulSet({ replicas: 3, strategy: kplus.StatefulSetUpdateStrategy.rollingUpdate({ partition: 3 }) });
    expect(warningsOf(sts)).toEqual(["'strategy.partition' (3) is not below 'replicas' (3): a rollout updates no pod until the partition is lowered (a staged rollout)"]);
  });

  test('Parallel pod management', () => {
    const { manifest, objects } = synthStatefulSet({ podManagementPolicy: kplus.PodManagementPolicy.PARALLEL });
    expect(manifest.spec.podManagementPolicy).toBe('Parallel');
    expect(checkManifests(objects).findings).toEqual([]);
  });

  test('maxUnavailable on Kubernetes 1.37, where it is on by default, needs no gate', () => {
    const { manifest } = synthStatefulSet({ maxUnavailable: kplus.PercentOrAbsolute.absolute(1), kubernetesVersion: KubernetesVersion.V1_37 });
    expect(manifest.spec.updateStrategy.rollingUpdate).toEqual({ maxUnavailable: 1, partition: 0 });
  });

  test('maxUnavailable only with the MaxUnavailableStatefulSet feature gate', () => {
    const { manifest } = synthStatefulSet({
      maxUnavailable: kplus.PercentOrAbsolute.absolute(1),
      kubernetesVersion: KubernetesVersion.of('1.34').withFeatureGates('MaxUnavailableStatefulSet'),
    });
    expect(manifest.spec.updateStrategy.rollingUpdate).toEqual({ maxUnavailable: 1, partition: 0 });
  });

  test('rolloutPlan: one pod down at a time, highest ordinal first, each step termination + start + minReady', () => {
    const { sts } = synthStatefulSet({ replicas: 3 });
    expect(sts.rolloutPlan({ startupTime: Duration.seconds(20) })).toEqual({
      updatedOrdinals: [2, 1, 0],
      heldOrdinals: [],
      podsDownAtOnce: 1,
      minServingPods: 2,
      peakPods: 3,
      stepSeconds: 35 + 20 + 10,
      completeAfterSeconds: 3 * 65,
    });
  });

  test('the preStop follows the traffic paths in front, as for a Deployment', () => {
    const chart = Testing.chart();
    const sts = new GracefulStatefulSet(chart, 'redis', { containers: [redis()] });
    new GracefulService(chart, 'client', { workload: sts, trafficPaths: [TrafficPath.headlessDns()] });
    const objects = synthValid(chart);
    expect(sts.shutdownBudget.preStopSeconds).toBe(35);
    expect(only(objects, 'StatefulSet').spec.template.spec.terminationGracePeriodSeconds).toBe(55);
    expect(checkManifests(objects).findings).toEqual([]);
  });

  test('can name the governing Service, so the pods\' DNS names carry no hash', () => {
    const { objects, manifest } = synthStatefulSet({ peerServiceName: 'redis' });
    const headless = services(objects).find((s: any) => s.spec.clusterIP === 'None');
    expect(headless.metadata.name).toBe('redis');
    expect(manifest.spec.serviceName).toBe('redis');
    expect(checkManifests(objects).findings).toEqual([]);
  });

  test('a sized disruption budget', () => {
    const { objects } = synthStatefulSet({ replicas: 5, disruptionBudget: { minAvailable: kplus.PercentOrAbsolute.absolute(3) } });
    expect(only(objects, 'PodDisruptionBudget').spec.minAvailable).toBe(3);
    assertGracefulInvariants(objects);
  });
});

describe('GracefulStatefulSet refuses', () => {
  test('maxUnavailable without the feature gate', () => {
    expect(() => new GracefulStatefulSet(Testing.chart(), 'redis', { containers: [redis()], maxUnavailable: kplus.PercentOrAbsolute.absolute(1) })).toThrow(
      "'maxUnavailable' (1) needs the feature gate MaxUnavailableStatefulSet, on by default only from Kubernetes 1.37, but 'kubernetesVersion' is 1.27: without it "
      + 'the API server drops the field and updates one pod at a time. Set `kubernetesVersion: KubernetesVersion.V1_37` if your clusters run it, or '
      + "`.withFeatureGates('MaxUnavailableStatefulSet')` if they enable the gate, or remove 'maxUnavailable'");
    // Beta in 1.35, but off by default again from 1.35.4 and in 1.36 (a regression in Parallel pod management).
    for (const version of [KubernetesVersion.V1_35, KubernetesVersion.V1_36]) {
      expect(() => new GracefulStatefulSet(Testing.chart(), 'redis', { containers: [redis()], kubernetesVersion: version, maxUnavailable: kplus.PercentOrAbsolute.absolute(1) }))
        .toThrow(`but 'kubernetesVersion' is ${version}: without it the API server drops the field`);
    }
  });

  test('maxUnavailable above one without allowCapacityDrop, and 0', () => {
    const version = KubernetesVersion.of('1.34').withFeatureGates('MaxUnavailableStatefulSet');
    expect(() => new GracefulStatefulSet(Testing.chart(), 'redis', { containers: [redis()], kubernetesVersion: version, maxUnavailable: kplus.PercentOrAbsolute.absolute(2) }))
      .toThrow("'maxUnavailable' (2) replaces more than one pod at a time: that many are down at once during each step; keep the default (one), or accept it with 'allowCapacityDrop: \"<reason>\"'");
    expect(() => new GracefulStatefulSet(Testing.chart(), 'redis', { containers: [redis()], kubernetesVersion: version, maxUnavailable: kplus.PercentOrAbsolute.percent(0) }))
      .toThrow("'maxUnavailable' (0%) must not be 0; the API server rejects it. Use at least 1");
  });

  test('a negative partition', () => {
    expect(() => new GracefulStatefulSet(Testing.chart(), 'redis', { containers: [redis()], strategy: kplus.StatefulSetUpdateStrategy.rollingUpdate({ partition: -1 }) }))
      .toThrow("'strategy.partition' (-1) must be a whole number of zero or more");
  });

  test('no container port for the governing Service', () => {
    expect(() => new GracefulStatefulSet(Testing.chart(), 'worker', { containers: [{ image: 'ghcr.io/acme/worker:1' }] })).toThrow(
      "GracefulStatefulSet 'worker': its governing headless Service (peer discovery) needs a container port; add `portNumber` to a container, or pass 'service'");
  });

  test('a name that is not a DNS label', () => {
    expect(() => new GracefulStatefulSet(Testing.chart(), 'redis', { containers: [redis()], metadata: { name: 'redis.v2' } })).toThrow(
      "GracefulStatefulSet 'redis': the StatefulSet name 'redis.v2' (from the construct path 'test/redis') must be a DNS-1123 label: lower-case letters, digits and '-', "
      + "at most 63 characters (no dots: the pods' host names derive from it)");
  });

  test('a construct id that makes the governing Service name invalid', () => {
    expect(() => new GracefulStatefulSet(Testing.chart(), 'redis.v2', { containers: [redis()] })).toThrow(
      /GracefulService 'Service': the Service name 'test-redis\.v2-service-[0-9a-f]+' \(from the construct path 'test\/redis\.v2\/Service'\) must be a DNS-1035 label/);
  });

  test('a governing Service name that is not a DNS-1035 label, or one for a Service it does not create', () => {
    expect(() => new GracefulStatefulSet(Testing.chart(), 'redis', { containers: [redis()], peerServiceName: '1redis' })).toThrow(
      "GracefulStatefulSet 'redis':\n  'peerServiceName' (\"1redis\") must be a DNS-1035 label: lower-case letters, digits and '-', starting with a letter, at most 63 "
      + "characters; e.g. 'redis', or leave it out for a name derived from the construct path");
    const chart = Testing.chart();
    const own = new kplus.Service(chart, 'own', { clusterIP: 'None', ports: [{ port: 6379 }] });
    expect(() => new GracefulStatefulSet(chart, 'redis', { containers: [redis()], peerServiceName: 'redis', service: own })).toThrow(
      "'peerServiceName' (\"redis\") names the governing Service this construct creates, but 'service' is given; name that Service instead");
  });

  test('a minAvailable that blocks every drain', () => {
    expect(() => new GracefulStatefulSet(Testing.chart(), 'redis', { containers: [redis()], disruptionBudget: { minAvailable: kplus.PercentOrAbsolute.absolute(3) } })).toThrow(
      "'disruptionBudget.minAvailable' (3) allows 0 evictions at 'replicas' (3): every node drain would block (spec 6.2); use maxUnavailable: 1, or a minAvailable below 3");
  });

  test('GracefulChecks on the chart does not report twice what the StatefulSet reports itself', () => {
    const message = synthError(chart => {
      GracefulChecks.applyTo(chart);
      const sts = new GracefulStatefulSet(chart, 'redis', { containers: [{ image: 'redis:7.4.1', portNumber: 6379 }] });
      new GracefulService(chart, 'client', { workload: sts });
    });
    expect(message.match(/\[GS001\]/g)).toHaveLength(1);
  });

  test('a client Service in front of a pod without readiness fails synth with the rule', () => {
    const message = synthError(chart => {
      const sts = new GracefulStatefulSet(chart, 'redis', { containers: [{ image: 'redis:7.4.1', portNumber: 6379 }] });
      new GracefulService(chart, 'client', { workload: sts });
    });
    expect(message).toMatch(/\[GS001\] StatefulSet 'test-redis-[0-9a-f]+' container 'main': serves port\(s\) 6379/);
  });
});
