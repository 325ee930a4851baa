import { ApiObject, Duration, JsonPatch, Size, Testing, Yaml } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import * as fc from 'fast-check';
import { assertGracefulInvariants, only, synthError, synthValid } from './util';
import { GracefulChecks, GracefulDeployment, GracefulDeploymentProps, GracefulService, GrpcProbe, KubernetesVersion, PreStop } from '../src';
import { checkManifests, warningsOf } from '../src/checks';

const image = 'ghcr.io/acme/api:1.4.2';
/** A container that serves and is probed correctly. */
const web = (extra: Partial<kplus.ContainerProps> = {}): kplus.ContainerProps => ({
  image,
  portNumber: 8080,
  readiness: kplus.Probe.fromHttpGet('/ready'),
  liveness: kplus.Probe.fromHttpGet('/healthz', { failureThreshold: 6 }),
  ...extra,
});

function synthDeployment(props: GracefulDeploymentProps = { containers: [web()] }) {
  const chart = Testing.chart();
  const deployment = new GracefulDeployment(chart, 'api', props);
  const objects = synthValid(chart);
  return { chart, deployment, objects, manifest: only(objects, 'Deployment') };
}

describe('GracefulDeployment defaults', () => {
  test('snapshot', () => {
    const { objects } = synthDeployment();
    expect(objects).toMatchSnapshot();
  });

  test('derives the grace period from preStop + drain + margin', () => {
    const { deployment, manifest } = synthDeployment();
    expect(deployment.shutdownBudget.terminationGracePeriodSeconds).toBe(35);
    expect(manifest.spec.template.spec.terminationGracePeriodSeconds).toBe(35);
    expect(manifest.spec.template.spec.containers[0].lifecycle.preStop).toEqual({ exec: { command: ['sleep', '15'] } });
  });

  test('rolls out without dropping capacity', () => {
    const { manifest } = synthDeployment();
    expect(manifest.spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 } });
    expect(manifest.spec.minReadySeconds).toBe(10);
    expect(manifest.spec.progressDeadlineSeconds).toBe(600);
    expect(manifest.spec.replicas).toBe(2);
  });

  test('creates a PDB that lets drains proceed', () => {
    const { objects, manifest } = synthDeployment();
    const pdb = only(objects, 'PodDisruptionBudget');
    expect(pdb.spec).toEqual({
      maxUnavailable: 1,
      selector: { matchLabels: manifest.spec.selector.matchLabels },
      unhealthyPodEvictionPolicy: 'AlwaysAllow',
    });
  });

  test('spreads pods across nodes and zones, preferred', () => {
    const { manifest } = synthDeployment();
    const spread = manifest.spec.template.spec.topologySpreadConstraints;
    expect(spread.map((c: any) => [c.topologyKey, c.whenUnsatisfiable])).toEqual([
      ['kubernetes.io/hostname', 'ScheduleAnyway'],
      ['topology.kubernetes.io/zone', 'ScheduleAnyway'],
    ]);
    expect(spread[0].labelSelector.matchLabels).toEqual(manifest.spec.selector.matchLabels);
  });

  test('declares drain and preStop for checkers', () => {
    const { manifest } = synthDeployment();
    expect(manifest.metadata.annotations).toEqual({ 'graceful-k8s.io/drain-seconds': '15', 'graceful-k8s.io/prestop-seconds': '15' });
  });

  test('passes the rule pack with zero findings and holds the invariants', () => {
    const { objects } = synthDeployment();
    assertGracefulInvariants(objects);
    const report = checkManifests(objects);
    expect(report.findings).toEqual([]);
    expect(report.suppressed).toEqual([]);
  });
});

describe('GracefulDeployment options', () => {
  test('can configure the shutdown budget', () => {
    const { objects, deployment, manifest } = synthDeployment({
      containers: [web()],
      shutdown: { preStopDelay: Duration.seconds(30), drainTimeout: Duration.minutes(2), safetyMargin: Duration.seconds(10) },
    });
    expect(objects).toMatchSnapshot();
    expect(deployment.shutdownBudget.terminationGracePeriodSeconds).toBe(160);
    expect(manifest.spec.template.spec.containers[0].lifecycle.preStop.exec.command).toEqual(['sleep', '30']);
    assertGracefulInvariants(objects);
  });

  test('keeps an explicit grace period that covers the budget', () => {
    const { manifest } = synthDeployment({ containers: [web()], terminationGracePeriod: Duration.seconds(60) });
    expect(manifest.spec.template.spec.terminationGracePeriodSeconds).toBe(60);
  });

  test('can use the native sleep action on Kubernetes >= 1.30 (distroless images)', () => {
    const { objects, manifest } = synthDeployment({
      containers: [web({ image: 'gcr.io/distroless/static-debian12:nonroot' })],
      preStop: PreStop.nativeSleep(),
      kubernetesVersion: KubernetesVersion.of('1.31'),
    });
    expect(objects).toMatchSnapshot();
    expect(manifest.spec.template.spec.containers[0].lifecycle.preStop).toEqual({ sleep: { seconds: 15 } });
    // The API server rejects sleep > grace (spec 1.7): never emitted.
    expect(manifest.spec.template.spec.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(15);
    expect(checkManifests(objects).findings).toEqual([]);
  });

  test('can use an HTTP preStop endpoint', () => {
    const { manifest, objects } = synthDeployment({ containers: [web()], preStop: PreStop.httpGet('/prestop') });
    expect(manifest.spec.template.spec.containers[0].lifecycle.preStop).toEqual({ httpGet: { path: '/prestop', port: 8080 } });
    expect(checkManifests(objects).findings).toEqual([]);
  });

  test("respects a container's own preStop and budgets the declared delay", () => {
    const { manifest, objects } = synthDeployment({
      containers: [web({ lifecycle: { preStop: kplus.Handler.fromCommand(['/bin/drain-and-wait']) } })],
      shutdown: { preStopDelay: Duration.seconds(20) },
    });
    expect(manifest.spec.template.spec.containers[0].lifecycle.preStop).toEqual({ exec: { command: ['/bin/drain-and-wait'] } });
    expect(manifest.metadata.annotations['graceful-k8s.io/prestop-seconds']).toBe('20');
    expect(manifest.spec.template.spec.terminationGracePeriodSeconds).toBe(40);
    expect(checkManifests(objects).findings).toEqual([]);
  });

  test('multi-container: containers added later and per-container handlers get the settings', () => {
    const chart = Testing.chart();
    const deployment = new GracefulDeployment(chart, 'api', {
      containers: [web()],
      containerPreStop: { proxy: PreStop.nativeSleep() },
      kubernetesVersion: KubernetesVersion.V1_30,
    });
    deployment.addContainer({ name: 'proxy', image: 'cgr.dev/chainguard/envoy:latest', portNumber: 9901, readiness: kplus.Probe.fromHttpGet('/ready', { port: 9901 }) });
    deployment.addContainer({ name: 'logs', image: 'fluent/fluent-bit:3.0' });
    const objects = synthValid(chart);
    expect(objects).toMatchSnapshot();
    const containers = only(objects, 'Deployment').spec.template.spec.containers;
    expect(containers.map((c: any) => [c.name, c.lifecycle?.preStop])).toEqual([
      // 1.30: the kubelet's own sleep is the default handler
      ['main', { sleep: { seconds: 15 } }],
      ['proxy', { sleep: { seconds: 15 } }],
      // no port: no preStop delay unless one is set for it
      ['logs', undefined],
    ]);
    assertGracefulInvariants(objects);
  });

  test('autoscaled: HPA v2 with scale-down stabilization, no spec.replicas', () => {
    const { objects, manifest } = synthDeployment({ containers: [web()], autoscaling: { maxReplicas: 10 } });
    expect(objects).toMatchSnapshot();
    expect(manifest.spec.replicas).toBeUndefined();
    const hpa = only(objects, 'HorizontalPodAutoscaler');
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(hpa.spec.minReplicas).toBe(2);
    expect(hpa.spec.maxReplicas).toBe(10);
    expect(hpa.spec.behavior.scaleDown.stabilizationWindowSeconds).toBe(300);
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: manifest.metadata.name });
    expect(checkManifests(objects).findings).toEqual([]);
  });

  test('autoscaled with min 1: a warning, not an error', () => {
    const { deployment } = synthDeployment({ containers: [web()], autoscaling: { minReplicas: 1, maxReplicas: 3 } });
    expect(warningsOf(deployment).join('\n')).toMatch(/\[GS009\].*may scale Deployment '.*' down to 1 replica/);
  });

  test('one replica: a warning, not an error', () => {
    const { deployment } = synthDeployment({ containers: [web()], replicas: 1 });
    expect(warningsOf(deployment)).toEqual([expect.stringMatching(/^\[GS009\] Deployment 'test-api-.*': replicas is 1: a drain or crash leaves nothing serving\. Fix: run at least 2 replicas/)]);
  });

  test('a slow starter gets a startup probe long enough for startupTimeout', () => {
    const { manifest } = synthDeployment({
      containers: [web({ portNumber: undefined, startup: undefined, readiness: kplus.Probe.fromCommand(['/bin/ready']), liveness: kplus.Probe.fromCommand(['/bin/alive']) })],
      startupTimeout: Duration.minutes(3),
    });
    expect(manifest.spec.template.spec.containers[0].startupProbe).toEqual({ exec: { command: ['/bin/ready'] }, periodSeconds: 10, failureThreshold: 18 });
  });

  test('startupTimeout lengthens the default startup probe cdk8s-plus adds', () => {
    const { manifest } = synthDeployment({ containers: [web()], startupTimeout: Duration.minutes(2) });
    expect(manifest.spec.template.spec.containers[0].startupProbe).toEqual({ tcpSocket: { port: 8080 }, failureThreshold: 12 });
  });

  test('can opt in to dropping capacity, recorded as a suppression', () => {
    const { objects, manifest } = synthDeployment({
      containers: [web()],
      strategy: kplus.DeploymentStrategy.recreate(),
      allowCapacityDrop: 'single-writer database migration job, downtime accepted',
    });
    expect(manifest.spec.strategy).toEqual({ type: 'Recreate' });
    const report = checkManifests(objects);
    expect(report.findings).toEqual([]);
    expect(report.suppressed.map(f => f.ruleId)).toEqual(['GS007']);
  });

  test('can turn off the PDB and spread', () => {
    const { objects, manifest } = synthDeployment({ containers: [web()], podDisruptionBudget: false, spreadAcrossNodes: false });
    expect(objects.map(o => o.kind)).toEqual(['Deployment']);
    expect(manifest.spec.template.spec.topologySpreadConstraints).toBeUndefined();
  });

  test('a change after a synth is rendered by the next synth (no stale render)', () => {
    const chart = Testing.chart();
    const deployment = new GracefulDeployment(chart, 'api', { containers: [web()] });
    expect(only(Testing.synth(chart), 'Deployment').spec.template.spec.containers).toHaveLength(1);
    deployment.addContainer({ name: 'sidecar', image: 'busybox:1.36' });
    const containers = only(Testing.synth(chart), 'Deployment').spec.template.spec.containers;
    expect(containers.map((c: any) => c.name)).toEqual(['main', 'sidecar']);
    expect(deployment.rolloutPlan().peakActivePods).toBe(3);
  });

  test('renders plain YAML: no anchors or aliases from shared objects', () => {
    const { chart } = synthDeployment({ containers: [web()], startupTimeout: Duration.minutes(2) });
    expect(Yaml.stringify(...Testing.synth(chart))).not.toMatch(/[&*]a\d/);
  });

  test('rolloutPlan: peak pods, requests and duration', () => {
    const chart = Testing.chart();
    const deployment = new GracefulDeployment(chart, 'api', {
      containers: [web({ resources: { cpu: { request: kplus.Cpu.millis(250) }, memory: { request: Size.mebibytes(256) } } })],
      replicas: 10,
    });
    const plan = deployment.rolloutPlan({ startupTime: Duration.seconds(20) });
    expect(plan).toEqual({
      surge: 3,
      unavailable: 0,
      waves: 4,
      peakActivePods: 13,
      peakTerminatingPods: 6,
      peakPods: 19,
      peakCpuMillis: 19 * 250,
      peakMemoryBytes: 19 * 256 * 2 ** 20,
      // A range over the start phase (availability on whole seconds, reconcile latency): 4 waves of
      // startup 20 s + minReady 10 s, the last old pod gone a grace period (35 s) later.
      earliestCompleteAfterSeconds: 119.04,
      completeAfterSeconds: 120.2,
      earliestLastOldPodGoneAfterSeconds: 154.04,
      lastOldPodGoneAfterSeconds: 155.2,
      // 1.27 (the default): no .status.terminatingReplicas
      reportsTerminatingReplicas: false,
      rolloutStatus: 'kubectl rollout status reports "successfully rolled out" 119-120.2s after the change, once every new pod is available; old pods then run '
        + 'out their grace period (35s) for up to 35s more, the last gone after 154-155.2s: the Deployment\'s status does not count them before Kubernetes 1.35 '
        + '(.status.terminatingReplicas): watch the pods',
    });
    expect(plan.completeAfterSeconds).toBeGreaterThanOrEqual(plan.waves * (20 + 10));
    expect(plan.lastOldPodGoneAfterSeconds - plan.completeAfterSeconds).toBeCloseTo(35, 6);
  });
});

describe('GracefulDeployment: names, versions and probes', () => {
  test('targets Kubernetes 1.27 by default, the API of cdk8s-plus-27, with preStop `sleep` in the container', () => {
    const { deployment, manifest } = synthDeployment();
    expect(deployment.kubernetesVersion.toString()).toBe('1.27');
    expect(manifest.spec.template.spec.containers[0].lifecycle.preStop).toEqual({ exec: { command: ['sleep', '15'] } });
  });

  test('on Kubernetes 1.30 or newer the default preStop is the kubelet\'s own sleep (nothing needed in the image)', () => {
    const { manifest, objects } = synthDeployment({ containers: [web()], kubernetesVersion: KubernetesVersion.V1_30 });
    expect(manifest.spec.template.spec.containers[0].lifecycle.preStop).toEqual({ sleep: { seconds: 15 } });
    // an explicit handler still wins
    const explicit = synthDeployment({ containers: [web()], kubernetesVersion: KubernetesVersion.V1_34, preStop: PreStop.sleepCommand() });
    expect(explicit.manifest.spec.template.spec.containers[0].lifecycle.preStop).toEqual({ exec: { command: ['sleep', '15'] } });
    expect(checkManifests(objects).findings).toEqual([]);
  });

  test('Kubernetes 1.35 to 1.38 are known versions', () => {
    expect([KubernetesVersion.V1_35, KubernetesVersion.V1_36, KubernetesVersion.V1_37, KubernetesVersion.V1_38].map(v => v.toString())).toEqual(['1.35', '1.36', '1.37', '1.38']);
    expect(KubernetesVersion.V1_38.isAtLeast(KubernetesVersion.V1_37)).toBe(true);
  });

  test('can name the PodDisruptionBudget and the HorizontalPodAutoscaler', () => {
    const { objects } = synthDeployment({
      containers: [web()],
      autoscaling: { maxReplicas: 10, name: 'api' },
      disruptionBudget: { maxUnavailable: kplus.PercentOrAbsolute.absolute(1), name: 'api-budget' },
    });
    expect(only(objects, 'PodDisruptionBudget').metadata.name).toBe('api-budget');
    expect(only(objects, 'HorizontalPodAutoscaler').metadata.name).toBe('api');
    expect(checkManifests(objects).findings).toEqual([]);
  });

  test('throws if a name is one the API server rejects', () => {
    expect(() => new GracefulDeployment(Testing.chart(), 'api', { containers: [web()], disruptionBudget: { name: 'Api_Budget' } })).toThrow(
      "GracefulDeployment 'api':\n  'disruptionBudget.name' (\"Api_Budget\") must be a DNS-1123 subdomain: lower-case letters, digits, '-' and '.', at most 253 characters; "
      + "e.g. 'api', or leave it out for a name derived from the construct path");
    expect(() => new GracefulDeployment(Testing.chart(), 'api', { containers: [web()], autoscaling: { maxReplicas: 4, name: '-api' } })).toThrow(
      "'autoscaling.name' (\"-api\") must be a DNS-1123 subdomain");
  });

  test('can set the HPA tolerance on Kubernetes 1.35 or newer, in both directions', () => {
    const { objects } = synthDeployment({
      containers: [web()], autoscaling: { maxReplicas: 30, tolerance: 0.05 }, kubernetesVersion: KubernetesVersion.V1_35,
    });
    const hpa = only(objects, 'HorizontalPodAutoscaler');
    expect(hpa.spec.behavior.scaleUp.tolerance).toBe('0.05');
    expect(hpa.spec.behavior.scaleDown.tolerance).toBe('0.05');
    expect(hpa.spec.behavior.scaleDown.stabilizationWindowSeconds).toBe(300);
    // 1.33-1.34 with the gate
    const gated = synthDeployment({
      containers: [web()], autoscaling: { maxReplicas: 30, tolerance: 0 }, kubernetesVersion: KubernetesVersion.V1_33.withFeatureGates('HPAConfigurableTolerance'),
    });
    expect(only(gated.objects, 'HorizontalPodAutoscaler').spec.behavior.scaleUp.tolerance).toBe('0');
  });

  test('throws if the HPA tolerance is out of range or the version lacks it', () => {
    expect(() => new GracefulDeployment(Testing.chart(), 'api', { containers: [web()], autoscaling: { maxReplicas: 4, tolerance: 1.5 }, kubernetesVersion: KubernetesVersion.V1_37 }))
      .toThrow("'autoscaling.tolerance' (1.5) must be a fraction from 0 up to (not including) 1, e.g. 0.05 for 5 %: the API server rejects a negative one, and from 1 on "
        + 'the HPA would never scale down');
    expect(() => new GracefulDeployment(Testing.chart(), 'api', { containers: [web()], autoscaling: { maxReplicas: 4, tolerance: 0.05 } })).toThrow(
      "'autoscaling.tolerance' (0.05) needs Kubernetes 1.35 or newer (beta, on by default; GA in 1.37), or 1.33-1.34 with the feature gate HPAConfigurableTolerance, "
      + "but 'kubernetesVersion' is 1.27: an API server without it drops the field. Set `kubernetesVersion: KubernetesVersion.V1_35` (or newer) if your clusters run it, "
      + "or remove 'autoscaling.tolerance'");
  });

  test('a gRPC readiness and liveness probe', () => {
    const { manifest, objects } = synthDeployment({
      containers: [{
        image,
        portNumber: 9090,
        readiness: GrpcProbe.of({ periodSeconds: Duration.seconds(5) }),
        liveness: GrpcProbe.of({ port: 9090, service: 'liveness', failureThreshold: 6 }),
      }],
    });
    const container = manifest.spec.template.spec.containers[0];
    expect(container.readinessProbe).toEqual({ failureThreshold: 3, grpc: { port: 9090 }, periodSeconds: 5 });
    expect(container.livenessProbe).toEqual({ failureThreshold: 6, grpc: { port: 9090, service: 'liveness' } });
    expect(checkManifests(objects).findings).toEqual([]);
  });

  test('throws if a gRPC probe port is not a port', () => {
    expect(() => GrpcProbe.of({ port: 0 })).toThrow("'GrpcProbe.of' port (0) must be a whole number from 1 to 65535; pass the port of the gRPC health service, e.g. GrpcProbe.of({ port: 9090 })");
  });

  test('a container without a port (a log shipper) gets no preStop delay by default', () => {
    const chart = Testing.chart();
    const deployment = new GracefulDeployment(chart, 'api', { containers: [web(), { name: 'logs', image: 'fluent/fluent-bit:3.0' }] });
    const objects = synthValid(chart);
    const [main, logs] = only(objects, 'Deployment').spec.template.spec.containers;
    expect(main.lifecycle.preStop).toEqual({ exec: { command: ['sleep', '15'] } });
    expect(logs.lifecycle).toBeUndefined();
    expect(deployment.containerBudgets.map(c => [c.container, c.preStopSeconds, c.sigtermAtSeconds])).toEqual([['main', 15, 15], ['logs', 0, 0]]);
    expect(checkManifests(objects).findings).toEqual([]);
  });

  test('rolloutPlan says what kubectl rollout status shows on 1.35, where .status.terminatingReplicas counts the old pods', () => {
    const chart = Testing.chart();
    const deployment = new GracefulDeployment(chart, 'api', { containers: [web()], replicas: 4, kubernetesVersion: KubernetesVersion.V1_35 });
    const plan = deployment.rolloutPlan({ startupTime: Duration.seconds(20) });
    expect(plan.reportsTerminatingReplicas).toBe(true);
    expect(plan.rolloutStatus).toMatch(/^kubectl rollout status reports "successfully rolled out" .* after the change, once every new pod is available; old pods then run out their grace period \(35s\) for up to 35s more, .*: \.status\.terminatingReplicas counts them until the last is gone/);
  });
});

describe('the rule pack at synth: only what the construct\'s own props can break', () => {
  const conditional = ['GS007', 'GS008', 'GS009', 'GS011', 'GS012', 'GS013', 'GS014', 'GS025', 'GS026', 'GS027', 'GS031'];
  const never = ['GS010', 'GS018', 'GS022', 'GS032'];

  test('with the defaults, the rules they hold are not run again; what the props set brings its rules back', () => {
    const plain = new GracefulDeployment(Testing.chart(), 'api', { containers: [web()] });
    expect(plain._synthCheckOptions().disabledRules).toEqual([...never, ...conditional].sort());
    const sized = new GracefulDeployment(Testing.chart(), 'api', {
      containers: [web()], replicas: 3, strategy: kplus.DeploymentStrategy.recreate(), allowCapacityDrop: 'batch API, a short gap is fine',
    });
    // replicas and strategy given: their rules run; the PDB, spread and traffic ones need no second look
    expect(sized._synthCheckOptions().disabledRules).toEqual([...never, 'GS011', 'GS025', 'GS026', 'GS027', 'GS031'].sort());
  });

  test('a service in front brings the traffic rules back', () => {
    const chart = Testing.chart();
    const api = new GracefulDeployment(chart, 'api', { containers: [web()] });
    expect(api._synthCheckOptions().disabledRules).toContain('GS025');
    new GracefulService(chart, 'svc', { workload: api });
    expect(api._synthCheckOptions().disabledRules).not.toContain('GS025');
  });

  test('GracefulChecks reports what the construct\'s own check leaves out (here a JSON patch to 1 replica)', () => {
    // GIVEN a patch outside the props: the construct's own check does not look at replicas
    const chart = Testing.chart();
    const api = new GracefulDeployment(chart, 'api', { containers: [web()] });
    ApiObject.of(api).addJsonPatch(JsonPatch.replace('/spec/replicas', 1));
    synthValid(chart);
    expect(warningsOf(api)).toEqual([]);
    // WHEN the full pack runs on the chart THEN it reports GS009, once
    GracefulChecks.applyTo(chart);
    synthValid(chart);
    expect(warningsOf(chart)).toEqual([expect.stringMatching(/^\[GS009\] Deployment '.*': replicas is 1/)]);
  });

  test('the PodDisruptionBudget renders once per synth: the JSON validation checked is the one synthesized', () => {
    const typed = jest.spyOn(kplus.k8s.KubePodDisruptionBudget.prototype, 'toJson');
    try {
      const chart = Testing.chart();
      new GracefulDeployment(chart, 'api', { containers: [web()] });
      const objects = synthValid(chart);
      expect(typed).toHaveBeenCalledTimes(1);
      expect(only(objects, 'PodDisruptionBudget').spec.maxUnavailable).toBe(1);
      // a later render is fresh
      synthValid(chart);
      expect(typed).toHaveBeenCalledTimes(2);
    } finally {
      typed.mockRestore();
    }
  });
});

describe('GracefulDeployment refuses settings that drop requests', () => {
  test('throws if the grace period is set below preStop + drain', () => {
    expect(() => new GracefulDeployment(Testing.chart(), 'api', { containers: [web()], terminationGracePeriod: Duration.seconds(20) })).toThrow(
      "GracefulDeployment 'api':\n  'terminationGracePeriod' (20s) must be at least preStop (15s) + drain (15s) = 30s, or SIGKILL cuts the drain short; raise it to at least 35s, shorten 'shutdown.drainTimeout', or omit 'terminationGracePeriod' to derive it");
  });

  test('throws if the native sleep targets a cluster older than 1.30', () => {
    expect(() => new GracefulDeployment(Testing.chart(), 'api', { containers: [web()], preStop: PreStop.nativeSleep() })).toThrow(
      "'preStop' PreStop.nativeSleep() needs Kubernetes 1.30 or newer (beta 1.30, GA 1.34) but 'kubernetesVersion' is 1.27; set `kubernetesVersion: KubernetesVersion.of('1.30')` (or newer)");
  });

  test('throws if a version is malformed', () => {
    expect(() => KubernetesVersion.of('latest')).toThrow('\'kubernetesVersion\' ("latest") is not a Kubernetes version; write it as \'1.31\' or \'v1.31.2\'');
  });

  test('throws if replicas are set with autoscaling', () => {
    expect(() => new GracefulDeployment(Testing.chart(), 'api', { containers: [web()], replicas: 3, autoscaling: { maxReplicas: 5 } })).toThrow(
      "'replicas' (3) must not be set with 'autoscaling': the HPA owns the replica count and GitOps syncs would reset it; remove 'replicas' and use 'autoscaling.minReplicas'");
  });

  test('throws if maxReplicas is below minReplicas', () => {
    expect(() => new GracefulDeployment(Testing.chart(), 'api', { containers: [web()], autoscaling: { maxReplicas: 1 } })).toThrow(
      "'autoscaling.maxReplicas' (1) must be a whole number of at least 'autoscaling.minReplicas' (2); raise maxReplicas");
  });

  test('throws if replicas is negative', () => {
    expect(() => new GracefulDeployment(Testing.chart(), 'api', { containers: [web()], replicas: -1 })).toThrow("'replicas' (-1) must be a whole number of zero or more");
  });

  test('throws if the capacity-drop reason is too short', () => {
    expect(() => new GracefulDeployment(Testing.chart(), 'api', { containers: [web()], allowCapacityDrop: 'ok' })).toThrow(
      '\'allowCapacityDrop\' ("ok") must be a reason of at least 10 characters; say why dropping capacity during rollouts is acceptable');
  });

  test('throws if progressDeadline does not exceed minReady', () => {
    expect(() => new GracefulDeployment(Testing.chart(), 'api', { containers: [web()], progressDeadline: Duration.seconds(10) })).toThrow(
      "'progressDeadline' (10s) must exceed 'minReady' (10s); raise 'progressDeadline'");
  });

  test('lists every problem at once', () => {
    expect(() => new GracefulDeployment(Testing.chart(), 'api', {
      containers: [web()], terminationGracePeriod: Duration.seconds(5), preStop: PreStop.nativeSleep(),
    })).toThrow(/must be at least preStop[^]*needs Kubernetes 1.30/);
  });

  test('fails synth if a serving container has no readiness probe', () => {
    const message = synthError(chart => new GracefulDeployment(chart, 'api', { containers: [{ name: 'app', image, portNumber: 8080 }] }));
    expect(message).toMatch(/\[GS001\] Deployment 'test-api-[0-9a-f]{8}' container 'app': serves port\(s\) 8080 but has no readinessProbe; it receives traffic as soon as it starts\. Fix: add a readinessProbe/);
  });

  test('fails synth if readiness is identical to liveness', () => {
    const probe = kplus.Probe.fromHttpGet('/health');
    const message = synthError(chart => new GracefulDeployment(chart, 'api', { containers: [web({ readiness: probe, liveness: probe })] }));
    expect(message).toMatch(/\[GS002\] .*container 'main': livenessProbe is identical to readinessProbe \(\{"httpGet":\{"path":"\/health","port":8080,"scheme":"HTTP"\}\}, period 10s, failureThreshold 3\).*Fix: give liveness a cheaper endpoint/);
  });

  test('fails synth if the command runs through a shell that keeps SIGTERM from the app', () => {
    // node's official image is Debian-based: /bin/sh is dash, which never execs the command of -c.
    const message = synthError(chart => new GracefulDeployment(chart, 'api', { containers: [web({ image: 'node:22-bookworm', command: ['sh', '-c', 'migrate && node server.js'] })] }));
    expect(message).toMatch(/\[GS006\] .*container 'main': runs "migrate && node server.js" through sh in image 'node:22-bookworm', .* whose \/bin\/sh is dash: dash never replaces itself with a command of `-c` \(only `exec` does\), so the shell stays PID 1, drops SIGTERM and the app is SIGKILLed after \d+s without draining\. Fix: start the app with `exec`/);
  });

  test('accepts a shell script that ends in exec', () => {
    synthDeployment({ containers: [web({ command: ['sh', '-c', 'migrate && exec node server.js'] })] });
  });

  test('fails synth if a container brings a tcpSocket preStop', () => {
    const message = synthError(chart => new GracefulDeployment(chart, 'api', { containers: [web({ lifecycle: { preStop: kplus.Handler.fromTcpSocket({ port: 8080 }) } })] }));
    expect(message).toMatch(/\[GS015\] .*container 'main': has a tcpSocket preStop hook, which Kubernetes does not run; it fails at once/);
  });

  test('fails synth if maxUnavailable > 0 without an opt-in', () => {
    const message = synthError(chart => new GracefulDeployment(chart, 'api', {
      containers: [web()],
      replicas: 4,
      strategy: kplus.DeploymentStrategy.rollingUpdate({
        maxSurge: kplus.PercentOrAbsolute.absolute(1), maxUnavailable: kplus.PercentOrAbsolute.percent(25),
      }),
    }));
    expect(message).toMatch(/\[GS007\] .*maxUnavailable "25%" lets a rollout take 1 of 4 serving pod\(s\) down before replacements are available\. Fix: use strategy RollingUpdate with maxUnavailable: 0/);
  });

  test('fails synth on Recreate without an opt-in', () => {
    const message = synthError(chart => new GracefulDeployment(chart, 'api', { containers: [web()], strategy: kplus.DeploymentStrategy.recreate() }));
    expect(message).toMatch(/\[GS007\] .*strategy is Recreate: every pod is stopped before new ones start/);
  });

  test('fails synth if maxSurge is 0', () => {
    const message = synthError(chart => new GracefulDeployment(chart, 'api', {
      containers: [web()],
      strategy: kplus.DeploymentStrategy.rollingUpdate({
        maxSurge: kplus.PercentOrAbsolute.absolute(0), maxUnavailable: kplus.PercentOrAbsolute.absolute(1),
      }),
    }));
    expect(message).toMatch(/\[GS008\] .*maxSurge 0 resolves to 0 extra pods at 2 replica\(s\)/);
  });

  test('fails synth if the progress deadline does not cover startup + minReady', () => {
    const message = synthError(chart => new GracefulDeployment(chart, 'api', {
      containers: [web({ startup: kplus.Probe.fromTcpSocket({ port: 8080, failureThreshold: 30 }) })],
      progressDeadline: Duration.seconds(120),
    }));
    expect(message).toContain('[GS017]');
    expect(message).toContain('progressDeadlineSeconds (120s) must exceed minReadySeconds (10s) + startup (310s) = 320s. Fix: raise progressDeadlineSeconds to at least 380');
  });

  test('fails synth if an explicit startup probe is shorter than startupTimeout', () => {
    const message = synthError(chart => new GracefulDeployment(chart, 'api', {
      containers: [web({ startup: kplus.Probe.fromTcpSocket({ port: 8080, failureThreshold: 6, periodSeconds: Duration.seconds(5) }) })],
      startupTimeout: Duration.minutes(2),
    }));
    expect(message).toContain("container 'main': its startupProbe allows 30s (initialDelay + failureThreshold × period) but 'startupTimeout' is 120s; liveness could kill it while it boots. Raise the startup probe's failureThreshold to 24 or lower 'startupTimeout'");
  });

  test('fails synth with a clear message when there is no container', () => {
    const message = synthError(chart => new GracefulDeployment(chart, 'api'));
    expect(message).toContain('GracefulDeployment has no containers; add one with `containers: [{ image: ... }]` or `addContainer()`');
    expect(message).not.toContain('PodSpec must have at least 1 container');
  });

  test('synth errors list every problem at once', () => {
    const message = synthError(chart => new GracefulDeployment(chart, 'api', {
      // bash does not replace itself with a command that has a redirection: GS006.
      containers: [{ image, portNumber: 8080, command: ['bash', '-c', 'migrate && node server.js 2>&1'] }],
      strategy: kplus.DeploymentStrategy.recreate(),
    }));
    expect(message.match(/\[GS\d{3}\]/g)).toEqual(['[GS001]', '[GS006]', '[GS007]']);
  });

  test('PreStop.httpGet validates its path and port', () => {
    expect(() => PreStop.httpGet('prestop')).toThrow('\'PreStop.httpGet\' path ("prestop") must start with \'/\'; e.g. PreStop.httpGet(\'/prestop\')');
    expect(() => PreStop.httpGet('/prestop', 70000)).toThrow("'PreStop.httpGet' port (70000) must be a whole number from 1 to 65535");
  });

  test('PreStop.httpGet without any port fails with the fix', () => {
    // A container without a port gets a preStop when one is set for it (here its own handler).
    const message = synthError(chart => new GracefulDeployment(chart, 'api', {
      containers: [{ image, readiness: kplus.Probe.fromCommand(['true']) }],
      containerPreStop: { main: PreStop.httpGet('/prestop') },
    }));
    expect(message).toContain("'PreStop.httpGet(\"/prestop\")' has no port and the container declares none; pass the port: PreStop.httpGet('/prestop', 8080)");
  });
});

describe('properties', () => {
  const seconds = (max: number) => fc.integer({ min: 1, max });

  test('every accepted budget / replicas / surge yields YAML that holds the rules', () => {
    const cases = [seconds(120), seconds(600), seconds(30), fc.integer({ min: 2, max: 50 }), fc.integer({ min: 1, max: 100 })] as const;
    fc.assert(fc.property(...cases, (preStop, drain, margin, replicas, surgePct) => {
      const { objects } = synthDeployment({
        containers: [web()],
        replicas,
        shutdown: { preStopDelay: Duration.seconds(preStop), drainTimeout: Duration.seconds(drain), safetyMargin: Duration.seconds(margin) },
        strategy: kplus.DeploymentStrategy.rollingUpdate({
          maxSurge: kplus.PercentOrAbsolute.percent(surgePct), maxUnavailable: kplus.PercentOrAbsolute.absolute(0),
        }),
      });
      assertGracefulInvariants(objects);
      expect(checkManifests(objects).findings).toEqual([]);
    }), { numRuns: 40 });
  });

  test('every explicit grace below preStop + drain is refused with the numbers', () => {
    fc.assert(fc.property(seconds(120), seconds(600), fc.nat(), (preStop, drain, seed) => {
      const grace = seed % (preStop + drain);
      expect(() => new GracefulDeployment(Testing.chart(), 'api', {
        containers: [web()],
        shutdown: { preStopDelay: Duration.seconds(preStop), drainTimeout: Duration.seconds(drain) },
        terminationGracePeriod: Duration.seconds(grace),
      })).toThrow(`'terminationGracePeriod' (${grace}s) must be at least preStop (${preStop}s) + drain (${drain}s) = ${preStop + drain}s`);
    }), { numRuns: 60 });
  });

  test('every maxUnavailable > 0 without an opt-in fails synth', () => {
    fc.assert(fc.property(fc.integer({ min: 2, max: 40 }), fc.integer({ min: 1, max: 10 }), (replicas, unavailable) => {
      const message = synthError(chart => new GracefulDeployment(chart, 'api', {
        containers: [web()],
        replicas,
        strategy: kplus.DeploymentStrategy.rollingUpdate({
          maxSurge: kplus.PercentOrAbsolute.absolute(1), maxUnavailable: kplus.PercentOrAbsolute.absolute(unavailable),
        }),
      }));
      expect(message).toContain('[GS007]');
      expect(message).toContain(`of ${replicas} serving pod(s) down`);
    }), { numRuns: 30 });
  });
});
