// Containers with their own shutdown: native sidecars, per-container options, stop signals.
import { Duration, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import * as fc from 'fast-check';
import { assertGracefulInvariants, drainSecondsOf, only, preStopSecondsOf, synthError, synthValid } from './util';
import { GracefulDeployment, GracefulDeploymentProps, GracefulService, KubernetesVersion, PreStop, StopSignal, TrafficPath } from '../src';
import { checkManifests, shutdownTimeline, formatTimeline } from '../src/checks';

const api = (extra: Partial<kplus.ContainerProps> = {}): kplus.ContainerProps => ({
  image: 'ghcr.io/acme/orders-api:3.8.0',
  portNumber: 8080,
  readiness: kplus.Probe.fromHttpGet('/ready'),
  ...extra,
});
const cloudSqlProxy = { name: 'db-proxy', image: 'gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.14.1', args: ['--port=5432', '--max-sigterm-delay=30s', 'acme:europe-west1:orders'] };

function synth(props: GracefulDeploymentProps) {
  const chart = Testing.chart();
  const deployment = new GracefulDeployment(chart, 'api', props);
  new GracefulService(chart, 'svc', { workload: deployment, ports: [{ port: 80, targetPort: 8080, name: 'http' }] });
  const objects = synthValid(chart);
  return { chart, deployment, objects, manifest: only(objects, 'Deployment') };
}

describe('native sidecars', () => {
  const props: GracefulDeploymentProps = {
    containers: [api()],
    sidecars: [{ ...cloudSqlProxy, shutdown: { drainTimeout: Duration.seconds(30) } }],
    kubernetesVersion: KubernetesVersion.V1_29,
  };

  test('an init container with restartPolicy Always, first; snapshot', () => {
    const { objects, manifest } = synth(props);
    expect(objects).toMatchSnapshot();
    const [proxy] = manifest.spec.template.spec.initContainers;
    expect(proxy).toMatchObject({ name: 'db-proxy', image: cloudSqlProxy.image, restartPolicy: 'Always', args: cloudSqlProxy.args });
    // No preStop: the kubelet stops it only after the app containers exited (spec 1.9).
    expect(proxy.lifecycle).toBeUndefined();
    expect(manifest.metadata.annotations['graceful-k8s.io/container-drain-seconds']).toBe('{"db-proxy":30}');
  });

  test('grace = app preStop + app drain, then the sidecar drain, + margin', () => {
    const { deployment, manifest, objects } = synth(props);
    expect(deployment.containerBudgets).toEqual([
      { container: 'main', sidecar: false, preStopSeconds: 15, drainSeconds: 15, sigtermAtSeconds: 15, doneAtSeconds: 30 },
      { container: 'db-proxy', sidecar: true, preStopSeconds: 0, drainSeconds: 30, sigtermAtSeconds: 30, doneAtSeconds: 60 },
    ]);
    expect(manifest.spec.template.spec.terminationGracePeriodSeconds).toBe(15 + 15 + 30 + 5);
    assertGracefulInvariants(objects);
    // The rule pack agrees: GS028 (database proxy stops first) and GS037 (sidecar cut short) have nothing to say.
    expect(checkManifests(objects).findings).toEqual([]);
  });

  test('the timeline shows the sidecar outliving the app', () => {
    const { manifest } = synth(props);
    const [, proxy] = shutdownTimeline(manifest);
    expect(formatTimeline(proxy)).toEqual([
      `shutdown of Deployment '${manifest.metadata.name}' container 'db-proxy':`,
      '  t=   0s  pod deleted: endpoint removal starts (proxies stop routing seconds later); no preStop hook',
      '  t=  30s  SIGTERM to the native sidecar, after the app containers exited: it drains (30s declared)',
      '  t=  60s  drain done',
      '  t=  65s  SIGKILL (terminationGracePeriodSeconds 65): 5s of margin',
    ]);
  });

  test('sidecars stop in reverse order, each after the next one', () => {
    const { deployment } = synth({
      ...props,
      sidecars: [
        { name: 'log-shipper', image: 'fluent/fluent-bit:3.1', shutdown: { drainTimeout: Duration.seconds(10) } },
        { ...cloudSqlProxy, shutdown: { drainTimeout: Duration.seconds(30) } },
      ],
    });
    expect(deployment.containerBudgets.map(c => [c.container, c.sigtermAtSeconds, c.doneAtSeconds])).toEqual([['main', 15, 30], ['log-shipper', 60, 70], ['db-proxy', 30, 60]]);
    expect(deployment.shutdownBudget.terminationGracePeriodSeconds).toBe(75);
  });

  test('sidecars mount volumes and take env through their cdk8s-plus container', () => {
    const chart = Testing.chart();
    const deployment = new GracefulDeployment(chart, 'api', { ...props, containers: [api()] });
    const creds = kplus.Volume.fromSecret(chart, 'creds', kplus.Secret.fromSecretName(chart, 'sa', 'orders-sa'));
    deployment.sidecars[0].mount('/secrets', creds);
    const spec = only(synthValid(chart), 'Deployment').spec.template.spec;
    expect(spec.initContainers[0].volumeMounts).toEqual([{ mountPath: '/secrets', name: creds.name }]);
    expect(spec.volumes.map((v: any) => v.name)).toEqual([creds.name]);
  });

  test('a classic (ordinary) proxy container with its own longer preStop also passes GS028', () => {
    const { objects, deployment } = synth({
      containers: [api(), { ...cloudSqlProxy, securityContext: { ensureNonRoot: true } }],
      containerShutdown: { 'db-proxy': { preStopDelay: Duration.seconds(30), drainTimeout: Duration.seconds(30) } },
      containerPreStop: { 'db-proxy': PreStop.nativeSleep() },
      kubernetesVersion: KubernetesVersion.V1_30,
    });
    expect(deployment.containerBudgets.map(c => [c.container, c.preStopSeconds, c.doneAtSeconds])).toEqual([['main', 15, 30], ['db-proxy', 30, 60]]);
    expect(deployment.shutdownBudget.terminationGracePeriodSeconds).toBe(65);
    assertGracefulInvariants(objects);
    expect(checkManifests(objects).findings).toEqual([]);
  });

  test('rolloutPlan counts the sidecars\' requests: they run beside the app', () => {
    const chart = Testing.chart();
    const d = new GracefulDeployment(chart, 'api', {
      ...props,
      containers: [api({ resources: { cpu: { request: kplus.Cpu.millis(500) } } })],
      sidecars: [{ ...cloudSqlProxy, resources: { cpu: { request: kplus.Cpu.millis(100) } } }],
      replicas: 4,
    });
    const plan = d.rolloutPlan({ startupTime: Duration.seconds(10) });
    expect(plan.peakCpuMillis).toBe(plan.peakPods * 600);
  });

  test('refused before Kubernetes 1.29', () => {
    expect(() => new GracefulDeployment(Testing.chart(), 'api', { containers: [api()], sidecars: [cloudSqlProxy] })).toThrow(
      "'sidecars' need Kubernetes 1.29 or newer (native sidecars: beta and on by default in 1.29, GA in 1.33; spec 1.9) but 'kubernetesVersion' is 1.27");
  });

  test('refuses a sidecar without a name or an image', () => {
    expect(() => new GracefulDeployment(Testing.chart(), 'api', { ...props, sidecars: [{ image: '' } as any] })).toThrow(
      /'sidecars\[0\]\.image' \(""\) is required; name the sidecar's image\n {2}'sidecars\[0\]\.name' \(undefined\) is required/);
  });

  test('an explicit grace period too short for the sidecar fails synth with the numbers', () => {
    const message = synthError(chart => new GracefulDeployment(chart, 'api', { ...props, terminationGracePeriod: Duration.seconds(45) }));
    expect(message).toContain("'terminationGracePeriod' (45s) must be at least 60s: native sidecar 'db-proxy' is done only then (it gets SIGTERM after the app "
      + "containers exited, then drains), or SIGKILL cuts it short; raise it to at least 65s, or omit 'terminationGracePeriod' to derive it");
  });
});

describe('per-container shutdown', () => {
  test('the grace period covers the worst container', () => {
    const { deployment, manifest, objects } = synth({
      containers: [api(), { name: 'ws', image: 'ghcr.io/acme/websocket:2', portNumber: 9090, readiness: kplus.Probe.fromHttpGet('/ready', { port: 9090 }) }],
      containerShutdown: { ws: { drainTimeout: Duration.minutes(2) } },
    });
    expect(deployment.shutdownBudget.terminationGracePeriodSeconds).toBe(15 + 120 + 5);
    expect(manifest.metadata.annotations['graceful-k8s.io/container-drain-seconds']).toBe('{"ws":120}');
    for (const c of manifest.spec.template.spec.containers) {
      expect(manifest.spec.template.spec.terminationGracePeriodSeconds).toBeGreaterThan(preStopSecondsOf(manifest, c) + drainSecondsOf(manifest, c));
    }
    expect(checkManifests(objects).findings).toEqual([]);
  });

  test('a container that serves nothing may have no preStop, even behind a slow load balancer', () => {
    const chart = Testing.chart();
    const d = new GracefulDeployment(chart, 'api', {
      containers: [api(), { name: 'log-shipper', image: 'fluent/fluent-bit:3.1' }],
      containerShutdown: { 'log-shipper': { preStopDelay: Duration.seconds(0), drainTimeout: Duration.seconds(5) } },
    });
    new GracefulService(chart, 'svc', { workload: d, trafficPaths: [TrafficPath.awsAlb()] });
    const objects = synthValid(chart);
    const [, shipper] = only(objects, 'Deployment').spec.template.spec.containers;
    expect(shipper.lifecycle).toBeUndefined();
    assertGracefulInvariants(objects);
    expect(checkManifests(objects).findings).toEqual([]);
  });

  test('a container that declares a port may not', () => {
    const message = synthError(chart => new GracefulDeployment(chart, 'api', {
      containers: [api(), { name: 'admin', image: 'ghcr.io/acme/admin:1', portNumber: 9000, readiness: kplus.Probe.fromHttpGet('/ready', { port: 9000 }) }],
      containerShutdown: { admin: { preStopDelay: Duration.seconds(0) } },
    }));
    expect(message).toContain("container 'admin' declares port(s) 9000 but 'containerShutdown.admin.preStopDelay' is 0s: no preStop delay, so it stops accepting while "
      + 'proxies still route to it (spec 1.3); give it a delay, or no port if it serves nothing');
  });

  test('property: any per-container preStop/drain and sidecars: grace covers each, the rules agree', () => {
    const seconds = (min: number, max: number) => fc.integer({ min, max });
    const cases = [seconds(1, 90), seconds(0, 300), seconds(1, 90), seconds(0, 300), seconds(0, 60), fc.boolean()] as const;
    fc.assert(fc.property(...cases, (appPre, appDrain, sidePre, sideDrain, proxyDrain, native) => {
      const { objects, deployment } = synth({
        containers: [api(), { name: 'side', image: 'ghcr.io/acme/side:1', portNumber: 9000, readiness: kplus.Probe.fromHttpGet('/ready', { port: 9000 }) }],
        shutdown: { preStopDelay: Duration.seconds(appPre), drainTimeout: Duration.seconds(appDrain) },
        containerShutdown: { side: { preStopDelay: Duration.seconds(sidePre), drainTimeout: Duration.seconds(sideDrain) } },
        sidecars: native ? [{ ...cloudSqlProxy, args: ['acme:eu:db'], shutdown: { drainTimeout: Duration.seconds(proxyDrain) } }] : undefined,
        kubernetesVersion: KubernetesVersion.V1_29,
      });
      const grace = deployment.shutdownBudget.terminationGracePeriodSeconds;
      const appsDone = Math.max(appPre + appDrain, sidePre + sideDrain);
      expect(grace).toBe(appsDone + (native ? proxyDrain : 0) + 5);
      assertGracefulInvariants(objects);
      expect(checkManifests(objects).findings).toEqual([]);
    }), { numRuns: 40 });
  });
});

describe('stop signals', () => {
  const nginx = (image: string): kplus.ContainerProps => ({
    name: 'nginx',
    image,
    portNumber: 8080,
    readiness: kplus.Probe.fromHttpGet('/healthz', { port: 8080 }),
    securityContext: { ensureNonRoot: false, readOnlyRootFilesystem: false },
  });

  test('the official nginx image declares STOPSIGNAL SIGQUIT: a plain sleep preStop is enough', () => {
    const { objects } = synth({ containers: [nginx('nginx:1.27.3-alpine')] });
    expect(checkManifests(objects).findings).toEqual([]);
  });

  test('bitnami/nginx declares no STOPSIGNAL: SIGTERM is nginx\'s fast shutdown; synth fails and names the option', () => {
    const message = synthError(chart => {
      const d = new GracefulDeployment(chart, 'web', { containers: [nginx('docker.io/bitnami/nginx:1.25.4')] });
      new GracefulService(chart, 'svc', { workload: d });
    });
    expect(message).toMatch(/\[GS038\] Deployment 'test-web-[0-9a-f]+' container 'nginx': runs nginx, whose graceful stop is SIGQUIT \(`nginx -s quit`\): image 'docker\.io\/bitnami\/nginx:1\.25\.4' declares no STOPSIGNAL, so the kubelet sends SIGTERM; on SIGTERM nginx makes a fast shutdown that closes connections with requests in flight\. Fix: .*\(option: 'containerPreStop: \{ <container>: PreStop\.sleepThen\(\[\.\.\.\]\) \}' or 'containerShutdown\.<container>\.stopSignal'\)/);
  });

  test('PreStop.sleepThen: wait, graceful stop, wait for it; read by the rules as a delay then a graceful stop', () => {
    const { manifest, objects, deployment } = synth({
      containers: [nginx('docker.io/bitnami/nginx:1.25.4')],
      containerPreStop: { nginx: PreStop.sleepThen(['nginx', '-s', 'quit']) },
    });
    expect(manifest.spec.template.spec.containers[0].lifecycle.preStop).toEqual({ exec: { command: ['sh', '-c', 'sleep 15 && nginx -s quit && sleep 15'] } });
    expect(deployment.shutdownBudget.terminationGracePeriodSeconds).toBe(35);
    assertGracefulInvariants(objects);
    expect(checkManifests(objects).findings).toEqual([]);
  });

  test('lifecycle.stopSignal behind the ContainerStopSignals gate, with spec.os.name', () => {
    const { manifest, objects } = synth({
      containers: [nginx('docker.io/bitnami/nginx:1.25.4')],
      containerShutdown: { nginx: { stopSignal: StopSignal.SIGQUIT } },
      kubernetesVersion: KubernetesVersion.of('1.33').withFeatureGates('ContainerStopSignals'),
    });
    const spec = manifest.spec.template.spec;
    // 1.33: the kubelet's own sleep by default (1.30 and later)
    expect(spec.containers[0].lifecycle).toEqual({ preStop: { sleep: { seconds: 15 } }, stopSignal: 'SIGQUIT' });
    expect(spec.os).toEqual({ name: 'linux' });
    expect(checkManifests(objects).findings).toEqual([]);
  });

  test('stopSignal refused without the feature gate', () => {
    expect(() => new GracefulDeployment(Testing.chart(), 'web', {
      containers: [nginx('nginx:1.27')], containerShutdown: { nginx: { stopSignal: StopSignal.SIGQUIT } }, kubernetesVersion: KubernetesVersion.of('1.33'),
    })).toThrow("'stopSignal' (SIGQUIT) needs Kubernetes 1.33 or newer with the feature gate ContainerStopSignals on (off by default through 1.37), "
      + "but 'kubernetesVersion' is 1.33; an API server without the gate drops the field silently. Set "
      + "`kubernetesVersion: KubernetesVersion.of('1.33').withFeatureGates('ContainerStopSignals')` if your clusters enable it, or use "
      + '`PreStop.sleepThen([...])` to ask for the graceful stop');
    // 1.38, where beta is targeted: still refused until a release turns the gate on by default
    expect(() => new GracefulDeployment(Testing.chart(), 'web', {
      containers: [nginx('nginx:1.27')], containerShutdown: { nginx: { stopSignal: StopSignal.SIGQUIT } }, kubernetesVersion: KubernetesVersion.V1_38,
    })).toThrow("'kubernetesVersion' is 1.38; an API server without the gate drops the field silently");
    expect(() => StopSignal.of('QUIT')).toThrow("'StopSignal.of' name (\"QUIT\") must be a Linux signal name such as 'SIGQUIT'");
  });

  test('PreStop.sleepThen refuses shell syntax', () => {
    expect(() => PreStop.sleepThen(['nginx', '-g', 'daemon off;'])).toThrow(
      '\'PreStop.sleepThen\' command word ("daemon off;") must be a plain word without spaces or shell syntax; put a script in the image and pass its path');
    expect(() => PreStop.sleepThen([])).toThrow('\'PreStop.sleepThen\' command ([]) must be a non-empty list of words');
  });
});
