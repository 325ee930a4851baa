// The input validation layer: every class of bad input is refused with the option's name, the
// value, the limit and the fix (issue 8), before anything renders that the API server rejects.
import { ApiObject, Chart, Duration, JsonPatch, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { only, synthError, synthValid } from './util';
import { GracefulDaemonSet, GracefulDeployment, GracefulDeploymentProps, GracefulService, GracefulStatefulSet, KubernetesVersion, PreStop, TrafficPath } from '../src';
import { checkManifests, warningsOf } from '../src/checks';

const image = 'ghcr.io/acme/api:1.4.2';
const web = (extra: Partial<kplus.ContainerProps> = {}): kplus.ContainerProps => ({
  image, portNumber: 8080, readiness: kplus.Probe.fromHttpGet('/ready'), ...extra,
});
const build = (props: Partial<GracefulDeploymentProps> & Record<string, any>) => () => new GracefulDeployment(Testing.chart(), 'api', { containers: [web()], ...props } as any);

describe('durations', () => {
  test.each([
    ['NaN', { shutdown: { drainTimeout: Duration.seconds(NaN) } }, "'shutdown.drainTimeout' (NaN) must be a finite Duration; pass e.g. Duration.seconds(15)"],
    ['Infinity', { terminationGracePeriod: Duration.seconds(Infinity) }, "'terminationGracePeriod' (Infinity) must be a finite Duration; pass e.g. Duration.seconds(15)"],
    ['a fraction of a second where Kubernetes wants whole seconds', { shutdown: { preStopDelay: Duration.millis(1500) } },
      "'shutdown.preStopDelay' (1.5s) must be whole seconds: Kubernetes writes it in seconds; use Duration.seconds(2)"],
    ['a preStop of 0: no propagation delay', { shutdown: { preStopDelay: Duration.seconds(0) } },
      "'shutdown.preStopDelay' (0s) must be longer than 0s: a preStop of 0 is no delay, and the pod stops accepting while proxies still route to it; pass e.g. Duration.seconds(15)"],
    ['a number where a Duration belongs', { shutdown: { drainTimeout: 30 } }, "'shutdown.drainTimeout' (30) must be a Duration; pass e.g. Duration.seconds(30)"],
    ['a negative number where a Duration belongs', { minReady: -5 }, "'minReady' (-5) must be a Duration; pass e.g. Duration.seconds(-5)"],
    ['an absurd grace period (10^12 s)', { terminationGracePeriod: Duration.seconds(1e12) },
      "'terminationGracePeriod' (1000000000000s) must be at most 86400s (a day: no drain waits longer, and cluster-autoscaler gives a pod at most 600s); shorten it"],
    ['an absurd preStop (sleep 1e+300)', { shutdown: { preStopDelay: Duration.seconds(1e300) } }, "'shutdown.preStopDelay' (1e+300s) must be at most 86400s"],
    ['a fractional progress deadline', { progressDeadline: Duration.millis(600_500) }, "'progressDeadline' (600.5s) must be whole seconds"],
  ])('refuses %s', (_name, props, message) => {
    expect(build(props)).toThrow(message);
  });

  test('warns past 600 s, the cluster-autoscaler default', () => {
    const chart = Testing.chart();
    const d = new GracefulDeployment(chart, 'api', { containers: [web()], terminationGracePeriod: Duration.minutes(15) });
    expect(warningsOf(d)).toEqual([expect.stringMatching(/^'terminationGracePeriod' \(900s\) is more than 600s: cluster-autoscaler gives a pod at most 600s when it removes a node/)]);
  });

  test('traffic path durations', () => {
    expect(() => TrafficPath.custom({ name: 'F5', propagationDelay: 20 as any })).toThrow("TrafficPath.custom 'propagationDelay' must be a Duration (got 20); pass e.g. Duration.seconds(20)");
    expect(() => TrafficPath.nodeLocal({ unhealthyThreshold: 0 })).toThrow("'TrafficPath.nodeLocal' 'unhealthyThreshold' (0) must be a whole number from 1 to 10");
  });
});

describe('counts and IntOrStrings the API server rejects', () => {
  const rolling = (maxSurge: kplus.PercentOrAbsolute, maxUnavailable = kplus.PercentOrAbsolute.absolute(0)) =>
    ({ strategy: kplus.DeploymentStrategy.rollingUpdate({ maxSurge, maxUnavailable }) });
  test.each([
    ['maxSurge -1', rolling(kplus.PercentOrAbsolute.absolute(-1)), "'strategy.maxSurge' (-1) must be a whole number of zero or more; the API server rejects -1. Use e.g. PercentOrAbsolute.absolute(1)"],
    ['maxSurge 1.5', rolling(kplus.PercentOrAbsolute.absolute(1.5)), "'strategy.maxSurge' (1.5) must be a whole number of zero or more; the API server rejects 1.5."],
    ['maxSurge 12.5%', rolling(kplus.PercentOrAbsolute.percent(12.5)), "'strategy.maxSurge' (12.5%) must be a whole number of zero or more percent; the API server rejects 12.5%."],
    ['maxUnavailable 200%', rolling(kplus.PercentOrAbsolute.percent(25), kplus.PercentOrAbsolute.percent(200)),
      "'strategy.maxUnavailable' (200%) must be at most 100%; the API server rejects more. Use at most PercentOrAbsolute.percent(100)"],
    ['replicas NaN', { replicas: NaN }, "'replicas' (NaN) must be a whole number of zero or more"],
    ['replicas 1.5', { replicas: 1.5 }, "'replicas' (1.5) must be a whole number of zero or more"],
    ['HPA minReplicas 0', { autoscaling: { minReplicas: 0, maxReplicas: 5 } },
      "'autoscaling.minReplicas' (0) must be a whole number of at least 1 (the API server rejects 0: scaling to zero is an alpha feature)"],
    ['HPA max below min', { autoscaling: { minReplicas: 4, maxReplicas: 3 } }, "'autoscaling.maxReplicas' (3) must be a whole number of at least 'autoscaling.minReplicas' (4); raise maxReplicas"],
    ['HPA stabilization over an hour', { autoscaling: { maxReplicas: 5, scaleUp: { stabilizationWindow: Duration.seconds(3601) } } },
      "'autoscaling.scaleUp.stabilizationWindow' (3601s) must be at most 3600s (the API server rejects longer windows); shorten it"],
    ['HPA policy period over 30 minutes', { autoscaling: { maxReplicas: 5, scaleDown: { policies: [{ replicas: kplus.Replicas.absolute(1), duration: Duration.minutes(31) }] } } },
      "'autoscaling.scaleDown.policies[0].duration' (1860s) must be at most 1800s (the API server rejects longer periods); shorten it"],
    ['maxSkew 0', { topologySpread: { maxSkew: 0 } }, "'topologySpread.maxSkew' (0) must be a whole number from 1 to 1000"],
    ['PDB over 100%', { disruptionBudget: { maxUnavailable: kplus.PercentOrAbsolute.percent(150) } }, "'disruptionBudget.maxUnavailable' (150%) must be at most 100%"],
  ])('refuses %s', (_name, props, message) => {
    expect(build(props)).toThrow(message);
  });

  test('accepts maxSurge over 100% (the API server does)', () => {
    const chart = Testing.chart();
    new GracefulDeployment(chart, 'api', { containers: [web()], ...rolling(kplus.PercentOrAbsolute.percent(200)) });
    expect(only(synthValid(chart), 'Deployment').spec.strategy.rollingUpdate.maxSurge).toBe('200%');
  });
});

describe('plain-JS mistakes are named, not TypeErrors', () => {
  test('null options', () => {
    expect(build({ shutdown: null })).toThrow("'shutdown' (null) must be an object of options, or left out for the defaults; e.g. shutdown: { drainTimeout: Duration.seconds(30) }");
    expect(() => new GracefulDeployment(Testing.chart(), 'api', null as any)).toThrow("GracefulDeployment 'api': props (null) must be an object of options, or left out");
  });

  test('a string where a PreStop belongs', () => {
    expect(build({ containerPreStop: { main: 'sleep 15' } })).toThrow(
      "'containerPreStop.main' (\"sleep 15\") must be PreStop.sleepCommand(), PreStop.nativeSleep(), PreStop.httpGet('/prestop') or PreStop.sleepThen(['nginx', '-s', 'quit'])");
  });

  test('GracefulService without its workload', () => {
    expect(() => new GracefulService(Testing.chart(), 'svc', {} as any)).toThrow(
      "GracefulService 'svc': 'workload' (undefined) is required: pass the GracefulDeployment, GracefulStatefulSet or GracefulDaemonSet whose pods the Service selects, "
      + "e.g. new GracefulService(chart, 'svc', { workload: api })");
    expect(() => new GracefulService(Testing.chart(), 'svc', undefined as any)).toThrow("GracefulService 'svc': props (undefined) must be an object with 'workload'");
  });

  test('every problem at once', () => {
    expect(build({ replicas: -2, shutdown: { drainTimeout: 5 }, allowCapacityDrop: 'ok' })).toThrow(
      /'shutdown\.drainTimeout' \(5\) must be a Duration[^]*'allowCapacityDrop' \("ok"\) must be a reason[^]*'replicas' \(-2\) must be a whole number/);
  });
});

describe('references that point nowhere', () => {
  test('containerPreStop and containerShutdown for a container that does not exist', () => {
    const message = synthError(chart => new GracefulDeployment(chart, 'api', {
      containers: [web()],
      containerPreStop: { proxy: PreStop.sleepCommand() },
      containerShutdown: { prxy: { drainTimeout: Duration.seconds(30) } },
    }));
    expect(message).toContain("'containerPreStop.proxy' names no container of GracefulDeployment 'api' (it has 'main'); fix the name or remove the entry");
    expect(message).toContain("'containerShutdown.prxy' names no container of GracefulDeployment 'api' (it has 'main'); fix the name or remove the entry");
  });

  test('PreStop.httpGet on a port the container does not serve', () => {
    const message = synthError(chart => new GracefulDeployment(chart, 'api', { containers: [web()], preStop: PreStop.httpGet('/prestop', 9999) }));
    expect(message).toContain("'preStop' PreStop.httpGet(\"/prestop\", 9999) targets port 9999, which container 'main' does not serve (it declares 8080): "
      + 'the hook would fail at once and the delay be lost (spec 1.6); use one of its ports');
  });

  test("a container's own plain sleep is read, not trusted to match the budget", () => {
    const own = { lifecycle: { preStop: kplus.Handler.fromCommand(['sleep', '5']) } };
    const message = synthError(chart => new GracefulDeployment(chart, 'api', { containers: [web(own)], shutdown: { preStopDelay: Duration.seconds(15) } }));
    expect(message).toContain("container 'main' brings its own preStop {\"exec\":{\"command\":[\"sleep\",\"5\"]}}, which waits 5s, but 'shutdown.preStopDelay' says 15s: "
      + "the budget would not match what runs; remove the container's lifecycle.preStop to have GracefulDeployment 'api' render it, or set 'shutdown.preStopDelay' to Duration.seconds(5)");
    // Without an explicit delay, the budget takes the hook's own 5 s.
    const chart = Testing.chart();
    const d = new GracefulDeployment(chart, 'api', { containers: [web(own)] });
    expect(d.containerBudgets[0]).toMatchObject({ preStopSeconds: 5, doneAtSeconds: 20 });
    expect(only(synthValid(chart), 'Deployment').spec.template.spec.terminationGracePeriodSeconds).toBe(25);
  });

  test('an own preStop shorter than a traffic path in front', () => {
    const message = synthError(chart => {
      const d = new GracefulDeployment(chart, 'api', { containers: [web({ lifecycle: { preStop: kplus.Handler.fromCommand(['sleep', '5']) } })] });
      new GracefulService(chart, 'svc', { workload: d, trafficPaths: [TrafficPath.awsAlb()] });
    });
    expect(message).toContain("container 'main' waits 5s before SIGTERM (its own preStop) but the traffic path AWS ALB (IP targets) may send new requests for up to 30s");
  });

  test('names the API server would reject, from odd construct ids', () => {
    expect(() => new GracefulDeployment(Testing.chart(), 'My_API', { containers: [web()] })).toThrow(
      /GracefulDeployment 'My_API': the Deployment name 'test-my_api-[0-9a-f]+' \(from the construct path 'test\/My_API'\) must be a DNS-1123 subdomain/);
    const app = Testing.app();
    const chart = new Chart(app, '1shop');
    const d = new GracefulDeployment(chart, 'api', { containers: [web()] });
    expect(() => new GracefulService(chart, 'svc', { workload: d })).toThrow(/the Service name '1shop-svc-[0-9a-f]+' .* must be a DNS-1035 label: lower-case letters, digits and '-', starting with a letter/);
    const message = synthError(c => new GracefulDeployment(c, 'api', { containers: [web({ name: 'Main' })] }));
    expect(message).toContain("container name 'Main' must be a DNS-1123 label");
    const ports = synthError(c => new GracefulDeployment(c, 'api', { containers: [web({ portNumber: undefined, ports: [{ number: 8080, name: 'http-public-endpoint' }] })] }));
    expect(ports).toContain("container 'main' port name 'http-public-endpoint' must have at most 15 characters (an IANA service name); rename the port");
  });
});

describe('messages name the option as the user wrote it', () => {
  test("GS017 names 'progressDeadline', not only progressDeadlineSeconds", () => {
    const message = synthError(chart => new GracefulDeployment(chart, 'api', {
      containers: [web({ startup: kplus.Probe.fromTcpSocket({ port: 8080, failureThreshold: 30 }) })],
      progressDeadline: Duration.seconds(120),
    }));
    expect(message).toContain("(option: 'progressDeadline' (progressDeadlineSeconds), 'minReady' (minReadySeconds) or 'startupTimeout')");
  });

  test("a capacity-dropping strategy under an HPA is refused as with fixed replicas, naming 'allowCapacityDrop'", () => {
    const message = synthError(chart => {
      const d = new GracefulDeployment(chart, 'api', {
        containers: [web()],
        autoscaling: { minReplicas: 3, maxReplicas: 30 },
        strategy: kplus.DeploymentStrategy.rollingUpdate({
          maxSurge: kplus.PercentOrAbsolute.percent(25), maxUnavailable: kplus.PercentOrAbsolute.percent(25),
        }),
      });
      new GracefulService(chart, 'svc', { workload: d });
    });
    // The rule judges the autoscaler's whole range, as the CLI does on the same YAML.
    expect(message).toMatch(/\[GS007\] Deployment 'test-api-[0-9a-f]+': maxUnavailable "25%" lets a rollout take 7 of 30 serving pod\(s\) down before replacements are available \(at 4–30 of the autoscaler's 3–30 replicas\)\..*\(option: 'strategy', or accept it with 'allowCapacityDrop: "<reason>"'\)/);
  });

  test('the same strategy is accepted with a reason', () => {
    const chart = Testing.chart();
    const d = new GracefulDeployment(chart, 'api', {
      containers: [web()],
      autoscaling: { minReplicas: 3, maxReplicas: 30 },
      strategy: kplus.DeploymentStrategy.rollingUpdate({
        maxSurge: kplus.PercentOrAbsolute.percent(25), maxUnavailable: kplus.PercentOrAbsolute.percent(25),
      }),
      allowCapacityDrop: 'batch API, clients retry with backoff',
    });
    new GracefulService(chart, 'svc', { workload: d });
    expect(checkManifests(synthValid(chart)).findings).toEqual([]);
  });
});

describe('disruption budgets users can size', () => {
  const synthPdb = (props: Partial<GracefulDeploymentProps>) => {
    const chart = Testing.chart();
    const d = new GracefulDeployment(chart, 'api', { containers: [web()], ...props });
    return { d, chart, objects: synthValid(chart) };
  };

  test('a percentage for an HPA of 3-30', () => {
    const { objects } = synthPdb({
      autoscaling: { minReplicas: 3, maxReplicas: 30 },
      disruptionBudget: { maxUnavailable: kplus.PercentOrAbsolute.percent(10) },
    });
    expect(only(objects, 'PodDisruptionBudget').spec.maxUnavailable).toBe('10%');
    expect(checkManifests(objects).findings).toEqual([]);
  });

  test('minAvailable that still allows an eviction', () => {
    const { objects } = synthPdb({ replicas: 4, disruptionBudget: { minAvailable: kplus.PercentOrAbsolute.percent(50) } });
    expect(only(objects, 'PodDisruptionBudget').spec).toMatchObject({ minAvailable: '50%' });
    expect(only(objects, 'PodDisruptionBudget').spec.maxUnavailable).toBeUndefined();
  });

  test('refuses a minAvailable that blocks drains at the HPA minimum, with the numbers', () => {
    expect(build({
      autoscaling: { minReplicas: 3, maxReplicas: 10 },
      disruptionBudget: { minAvailable: kplus.PercentOrAbsolute.absolute(3) },
    })).toThrow(
      "'disruptionBudget.minAvailable' (3) allows 0 evictions at 'autoscaling.minReplicas' (3): every node drain would block (spec 6.2); use maxUnavailable: 1, or a minAvailable below 3");
    expect(build({ disruptionBudget: { maxUnavailable: kplus.PercentOrAbsolute.absolute(0) } })).toThrow(
      "'disruptionBudget.maxUnavailable' (0) allows 0 evictions at 'replicas' (2): every node drain would block (spec 6.2); use at least 1");
    expect(build({
      disruptionBudget: { maxUnavailable: kplus.PercentOrAbsolute.absolute(1), minAvailable: kplus.PercentOrAbsolute.absolute(1) },
    })).toThrow(
      "'disruptionBudget' sets both maxUnavailable (1) and minAvailable (1); the API server accepts one.");
    expect(build({ podDisruptionBudget: false, disruptionBudget: { maxUnavailable: kplus.PercentOrAbsolute.absolute(2) } })).toThrow(
      "'disruptionBudget' is set but 'podDisruptionBudget' is false; remove one of them");
  });

  test('a JSON patch that sizes the PDB is no longer dropped', () => {
    const chart = Testing.chart();
    const d = new GracefulDeployment(chart, 'api', { containers: [web()], replicas: 6 });
    ApiObject.of(d.podDisruptionBudget!).addJsonPatch(JsonPatch.replace('/spec/maxUnavailable', 2));
    expect(only(synthValid(chart), 'PodDisruptionBudget').spec.maxUnavailable).toBe(2);
  });
});

describe('autoscaling and spread options', () => {
  test('scale-up behaviour next to scale-down', () => {
    const chart = Testing.chart();
    new GracefulDeployment(chart, 'api', {
      containers: [web()],
      autoscaling: {
        maxReplicas: 20,
        scaleUp: { stabilizationWindow: Duration.seconds(60), policies: [{ replicas: kplus.Replicas.absolute(2), duration: Duration.minutes(1) }] },
      },
    });
    const behavior = only(synthValid(chart), 'HorizontalPodAutoscaler').spec.behavior;
    expect(behavior.scaleUp).toEqual({ policies: [{ type: 'Pods', value: 2, periodSeconds: 60 }], selectPolicy: 'Max', stabilizationWindowSeconds: 60 });
    expect(behavior.scaleDown.stabilizationWindowSeconds).toBe(300);
  });

  test('topology spread: zones only, required, maxSkew 2', () => {
    const chart = Testing.chart();
    new GracefulDeployment(chart, 'api', { containers: [web()], topologySpread: { acrossNodes: false, required: true, maxSkew: 2 } });
    const spread = only(synthValid(chart), 'Deployment').spec.template.spec.topologySpreadConstraints;
    expect(spread.map((c: any) => [c.topologyKey, c.maxSkew, c.whenUnsatisfiable])).toEqual([['topology.kubernetes.io/zone', 2, 'DoNotSchedule']]);
  });
});

describe('every other refusal, with its message', () => {
  const sts = (props: Record<string, any>) => () => new GracefulStatefulSet(Testing.chart(), 'db', { containers: [web()], ...props } as any);
  const ds = (props: Record<string, any>) => () => new GracefulDaemonSet(Testing.chart(), 'agent', { containers: [web()], ...props } as any);
  test.each<[string, () => unknown, string]>([
    ['sidecars not a list', build({ sidecars: { name: 'proxy' } }), "'sidecars' ({\"name\":\"proxy\"}) must be a list of containers; e.g. sidecars: [{ name: 'proxy', image: '...' }]"],
    ['an undefined sidecar', build({ sidecars: [undefined] }), "'sidecars[0]' (undefined) must be a container; e.g. { name: 'proxy', image: '...' }"],
    ['a sidecar drain that is not a Duration', build({ kubernetesVersion: KubernetesVersion.V1_29, sidecars: [{ name: 'p', image: 'p:1', shutdown: { drainTimeout: '30s' } }] }),
      "'sidecars[0].shutdown.drainTimeout' (\"30s\") must be a Duration; pass e.g. Duration.seconds(15)"],
    ['trafficPaths not a list', build({ trafficPaths: TrafficPath.nodeLocal() }), "'trafficPaths' ({\"_kind\":\"node-local\""],
    ['a trafficPaths entry that is not a TrafficPath', build({ trafficPaths: ['alb'] }), "'trafficPaths[0]' (\"alb\") must be a TrafficPath, e.g. TrafficPath.nodeLocal()"],
    ['spreadAcrossNodes not a boolean', build({ spreadAcrossNodes: 'yes' }), "'spreadAcrossNodes' (\"yes\") must be true or false"],
    ['topologySpread with spreading off', build({ spreadAcrossNodes: false, topologySpread: { maxSkew: 2 } }), "'topologySpread' is set but 'spreadAcrossNodes' is false; remove one of them"],
    ['a spread across nothing', build({ topologySpread: { acrossNodes: false, acrossZones: false } }),
      "'topologySpread' spreads across neither nodes nor zones (acrossNodes and acrossZones are false); set 'spreadAcrossNodes: false' to turn spreading off"],
    ['podDisruptionBudget not a boolean', build({ podDisruptionBudget: 1 }), "'podDisruptionBudget' (1) must be true or false; size the budget with 'disruptionBudget'"],
    ['a scaling policy of 0 pods', build({ autoscaling: { maxReplicas: 5, scaleUp: { policies: [{ replicas: kplus.Replicas.absolute(0) }] } } }),
      "'autoscaling.scaleUp.policies[0].replicas' (0) must be a whole number greater than 0 (the API server rejects others); e.g. Replicas.absolute(4)"],
    ['both scale-down windows', build({ autoscaling: { maxReplicas: 5, scaleDownStabilization: Duration.minutes(5), scaleDown: { stabilizationWindow: Duration.minutes(1) } } }),
      "'autoscaling.scaleDownStabilization' and 'autoscaling.scaleDown.stabilizationWindow' are the same setting; set one"],
    ['kubernetesVersion as a string', build({ kubernetesVersion: '1.31' }), "'kubernetesVersion' (\"1.31\") must be a KubernetesVersion, e.g. KubernetesVersion.of('1.31')"],
    ['an unknown feature gate name', () => KubernetesVersion.of('1.33').withFeatureGates('container-stop-signals'),
      "'kubernetesVersion' feature gate (\"container-stop-signals\") is not a feature gate name; write it as Kubernetes does, e.g. 'ContainerStopSignals'"],
    ['a strategy that is not one', build({ strategy: { type: 'RollingUpdate' } }), "'strategy' ({\"type\":\"RollingUpdate\"}) must be a DeploymentStrategy"],
    ['a minReady the default progress deadline cannot exceed', build({ minReady: Duration.minutes(10) }),
      "'minReady' (600s) must be less than the default 'progressDeadline' (600s); lower it or raise 'progressDeadline'"],
    ['a StatefulSet strategy that is not one', sts({ strategy: 'OnDelete' }), "'strategy' (\"OnDelete\") must be a StatefulSetUpdateStrategy"],
    ['an unknown pod management policy', sts({ podManagementPolicy: 'Ordered' }), "'podManagementPolicy' (\"Ordered\") must be PodManagementPolicy.ORDERED_READY or PodManagementPolicy.PARALLEL"],
    ['maxUnavailable with OnDelete', sts({
      strategy: kplus.StatefulSetUpdateStrategy.onDelete(),
      maxUnavailable: kplus.PercentOrAbsolute.absolute(1),
      kubernetesVersion: KubernetesVersion.V1_34.withFeatureGates('MaxUnavailableStatefulSet'),
    }),
    "'maxUnavailable' applies to RollingUpdate only; the API server rejects it with an OnDelete strategy. Remove it"],
    ['a volume claim without a size or path', sts({ volumeClaims: [{ name: 'Data' }] }),
      "'volumeClaims[0].name' (\"Data\") must be a DNS-1123 label: lower-case letters, digits and '-', at most 63 characters\n  'volumeClaims[0].mountPath' (undefined) must be an absolute path, e.g. '/data'\n  'volumeClaims[0].storage' (undefined) must be a Size, e.g. Size.gibibytes(10)"],
    ['StatefulSet props null', () => new GracefulStatefulSet(Testing.chart(), 'db', null as any), "GracefulStatefulSet 'db': props (null) must be an object of options"],
    ['a DaemonSet strategy that is not one', ds({ strategy: 'surge' }), "'strategy' (\"surge\") must be a GracefulDaemonSetStrategy, e.g. GracefulDaemonSetStrategy.surge()"],
    ['DaemonSet props null', () => new GracefulDaemonSet(Testing.chart(), 'agent', null as any), "GracefulDaemonSet 'agent': props (null) must be an object of options, or left out"],
    ['GracefulService trafficPaths not presets', () => {
      const chart = Testing.chart();
      new GracefulService(chart, 'svc', { workload: new GracefulDeployment(chart, 'api', { containers: [web()] }), trafficPaths: ['alb'] as any });
    }, "GracefulService 'svc': 'trafficPaths' ([\"alb\"]) must be a list of TrafficPath presets; e.g. trafficPaths: [TrafficPath.awsAlb()]"],
  ])('refuses %s', (_name, f, message) => {
    expect(f).toThrow(message);
  });

  test.each<[string, any, string]>([
    ['an own preStop that never ends', { exec: { command: ['sleep', 'infinity'] } }, 'which never ends: the container is SIGKILLed at the end of the grace period without a drain'],
    ['an own preStop of 0 s', { exec: { command: ['sleep', '0'] } }, 'a delay of 0s: the pod stops accepting while proxies still route to it (spec 1.3); remove the hook to have it rendered'],
  ])('fails synth on %s', (_name, hook, message) => {
    const error = synthError(chart => {
      const d = new GracefulDeployment(chart, 'api', { containers: [web()], kubernetesVersion: KubernetesVersion.V1_34 });
      ApiObject.of(d).addJsonPatch(JsonPatch.add('/spec/template/spec/containers/0/lifecycle', { preStop: hook }));
    });
    expect(error).toContain(message);
  });

  test('an empty preStop (a native sleep the 1.27 types dropped from a patch) is replaced, not kept', () => {
    const chart = Testing.chart();
    const d = new GracefulDeployment(chart, 'api', { containers: [web()], kubernetesVersion: KubernetesVersion.V1_34 });
    ApiObject.of(d).addJsonPatch(JsonPatch.add('/spec/template/spec/containers/0/lifecycle', { preStop: { sleep: { seconds: 5 } } }));
    // On 1.34 the default handler is the kubelet's own sleep.
    expect(only(synthValid(chart), 'Deployment').spec.template.spec.containers[0].lifecycle.preStop).toEqual({ sleep: { seconds: 15 } });
  });

  test('a sidecar volume that clashes with the pod\'s', () => {
    const error = synthError(chart => {
      const d = new GracefulDeployment(chart, 'api', { containers: [web()], kubernetesVersion: KubernetesVersion.V1_29, sidecars: [{ name: 'proxy', image: 'p:1' }] });
      d.addVolume(kplus.Volume.fromEmptyDir(chart, 'a', 'cache'));
      d.sidecars[0].mount('/cache', kplus.Volume.fromEmptyDir(chart, 'b', 'cache', { medium: kplus.EmptyDirMedium.MEMORY }));
    });
    expect(error).toContain("sidecar 'proxy' mounts a volume named 'cache' that differs from the pod's volume of that name; rename one of them");
  });
});
