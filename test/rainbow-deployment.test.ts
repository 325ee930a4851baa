// RainbowDeployment: one GracefulDeployment per release, the Service on the active release only,
// draining releases scaled to zero by KEDA once idle, retired releases not emitted.
import { ApiObject, Chart, Duration, JsonPatch, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import * as fc from 'fast-check';
import { synthRainbow, validateKedaSchema } from './rainbow-util';
import { assertGracefulInvariants, ofKind, only } from './util';
import { RainbowDeployment, RainbowDeploymentProps, RainbowRelease, RainbowScaleToZero, ReleaseState, TrafficPath } from '../src';
import { versionSlug } from '../src/_rainbow-names';
import { checkManifests, warningsOf } from '../src/checks';
import { templateHashOf } from '../src/checks/rules/rainbow';
import { ClusterModel } from '../src/manifest/cluster';
import { selectorMatches } from '../src/manifest/selectors';

const IMAGE = 'ghcr.io/acme/chat';
const container: kplus.ContainerOpts = {
  portNumber: 8080,
  readiness: kplus.Probe.fromHttpGet('/ready'),
  liveness: kplus.Probe.fromHttpGet('/healthz', { failureThreshold: 6 }),
};
const prometheus = () => RainbowScaleToZero.prometheus({
  serverAddress: 'http://prometheus.monitoring.svc:9090',
  query: 'sum(chat_open_connections{namespace="{{namespace}}", release="{{release}}"})',
  cooldown: Duration.minutes(2),
});
const release = (version: string, state: ReleaseState) => RainbowRelease.fromImage(`${IMAGE}:${version}`, state);
/** The example's three releases: retired, draining and active. */
const threeStates = () => [release('1.3.0', ReleaseState.RETIRED), release('1.4.0', ReleaseState.DRAINING), release('1.5.0', ReleaseState.ACTIVE)];

function rainbow(props: Partial<RainbowDeploymentProps> = {}, chart: Chart = new Chart(Testing.app(), 'test', { namespace: 'chat' })) {
  const r = new RainbowDeployment(chart, 'chat', {
    metadata: { name: 'chat' },
    container,
    autoscaling: { minReplicas: 2, maxReplicas: 10 },
    scaleToZero: prometheus(),
    releases: threeStates(),
    ...props,
  });
  return { chart, rainbow: r };
}

const deployments = (objects: any[]) => ofKind(objects, 'Deployment');
const named = (objects: any[], kind: string, name: string) => {
  const found = objects.filter(o => o.kind === kind && o.metadata.name === name);
  if (found.length !== 1) throw new Error(`expected one ${kind} '${name}', found ${found.length}`);
  return found[0];
};
const templateLabels = (d: any) => d.spec.template.metadata.labels;
const errorsOf = (objects: any[]) => checkManifests(objects).findings;

function synthFails(build: () => void): string {
  try {
    build();
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected an error');
}

describe('RainbowDeployment: three releases in three states', () => {
  test('snapshot; every object is valid against its schema (the ScaledObject against KEDA\'s); the rule pack finds nothing', () => {
    const { chart } = rainbow();
    const objects = synthRainbow(chart);
    expect(objects.map(o => `${o.kind}/${o.metadata.name}`)).toEqual([
      'Deployment/chat-1-4-0', 'PodDisruptionBudget/chat-1-4-0', 'ScaledObject/chat-1-4-0',
      'Deployment/chat-1-5-0', 'PodDisruptionBudget/chat-1-5-0', 'HorizontalPodAutoscaler/chat-1-5-0',
      'Service/chat',
    ]);
    expect(checkManifests(objects).findings).toEqual([]);
    expect(checkManifests(objects).problems).toEqual([]);
    assertGracefulInvariants(objects);
    expect(objects).toMatchSnapshot();
  });

  test('each live release is a GracefulDeployment named <name>-<version> whose pods carry the app and release labels, and nothing else of ours', () => {
    const { chart, rainbow: r } = rainbow();
    const objects = synthRainbow(chart);
    for (const [version, state] of [['1.4.0', 'draining'], ['1.5.0', 'active']]) {
      const id = versionSlug(version);
      const d = named(objects, 'Deployment', `chat-${id}`);
      expect(d.spec.selector).toEqual({ matchLabels: { 'graceful-k8s.io/app': 'chat', 'graceful-k8s.io/release': id } });
      // The construct-path label of cdk8s-plus is stripped: moving the construct must not roll pods.
      expect(templateLabels(d)).toEqual({ 'graceful-k8s.io/app': 'chat', 'graceful-k8s.io/release': id });
      expect(d.metadata.labels).toEqual({ 'graceful-k8s.io/app': 'chat', 'graceful-k8s.io/release': id, 'graceful-k8s.io/release-state': state });
      expect(d.metadata.annotations['graceful-k8s.io/release-version']).toBe(version);
      expect(d.metadata.annotations['graceful-k8s.io/template-hash']).toBe(templateHashOf(d.spec.template));
      expect(d.spec.template.spec.containers[0].image).toBe(`${IMAGE}:${version}`);
    }
    expect(r.releaseNameOf('1.3.0')).toBe('chat-1-3-0');
    expect(r.liveReleases.map(x => x.version)).toEqual(['1.4.0', '1.5.0']);
    expect(r.activeDeployment).toBe(r.deploymentOf('1.5.0'));
    expect(() => r.deploymentOf('1.3.0')).toThrow("release '1.3.0' is not live (live: 1.4.0, 1.5.0)");
  });

  test('the contract\'s keys are public, and the name defaults to one cdk8s derives from the construct path', () => {
    expect([RainbowDeployment.APP_LABEL, RainbowDeployment.RELEASE_LABEL, RainbowDeployment.STATE_LABEL, RainbowDeployment.VERSION_ANNOTATION,
      RainbowDeployment.TEMPLATE_HASH_ANNOTATION]).toEqual(['graceful-k8s.io/app', 'graceful-k8s.io/release', 'graceful-k8s.io/release-state',
      'graceful-k8s.io/release-version', 'graceful-k8s.io/template-hash']);
    const { chart, rainbow: r } = rainbow({ metadata: undefined, scaleToZero: undefined });
    expect(r.name).toMatch(/^test-chat-[0-9a-f]{8}$/);
    expect(only(synthRainbow(chart), 'Service').metadata.name).toBe(r.name);
  });

  test('can give a release containers of its own (RainbowRelease.of); a retired one-line release needs no shared container', () => {
    const { chart } = rainbow({
      container: undefined,
      scaleToZero: undefined,
      servicePorts: [{ name: 'ws', port: 80, targetPort: 8080 }],
      releases: [
        RainbowRelease.fromImage(`${IMAGE}:1.3.0`, ReleaseState.RETIRED),
        RainbowRelease.of({
          version: '2026.11.22+a1b2c3',
          state: ReleaseState.ACTIVE,
          containers: [
            { name: 'chat', image: `${IMAGE}:2026.11.22`, ...container },
            { name: 'presence', image: 'ghcr.io/acme/presence:3.1.0', portNumber: 9090, readiness: kplus.Probe.fromTcpSocket() },
          ],
        }),
      ],
    });
    const objects = synthRainbow(chart);
    const d = only(objects, 'Deployment');
    expect(d.metadata.name).toBe('chat-2026-11-22-a1b2c3');
    expect(d.metadata.annotations['graceful-k8s.io/release-version']).toBe('2026.11.22+a1b2c3');
    expect(d.spec.template.spec.containers.map((c: any) => c.name)).toEqual(['chat', 'presence']);
    expect(only(objects, 'Service').spec.ports).toEqual([{ name: 'ws', port: 80, targetPort: 8080 }]);
    expect(errorsOf(objects)).toEqual([]);
  });

  test('retired releases are not emitted (the GitOps tool prunes them)', () => {
    const { chart } = rainbow();
    const objects = synthRainbow(chart);
    expect(objects.filter(o => JSON.stringify(o).includes('1-3-0'))).toEqual([]);
  });

  test('the Service selects the active release only, and comes in a later Argo CD sync wave', () => {
    const { chart, rainbow: r } = rainbow();
    const objects = synthRainbow(chart);
    const service = only(objects, 'Service');
    expect(service.metadata.name).toBe('chat');
    expect(service.spec.selector).toEqual({ 'graceful-k8s.io/app': 'chat', 'graceful-k8s.io/release': '1-5-0' });
    expect(service.metadata.annotations).toEqual({ 'argocd.argoproj.io/sync-wave': '1' });
    const model = new ClusterModel(objects);
    expect(model.workloadsSelectedBy(service).map(w => w.name)).toEqual(['chat-1-5-0']);
    expect(r.service.workload).toBe(r.activeDeployment);
  });

  test('each release\'s PDB, HPA and ScaledObject select only that release\'s pods', () => {
    const { chart } = rainbow({ releases: [release('1.4.0', ReleaseState.DRAINING), release('1.5.0', ReleaseState.STAGED), release('1.6.0', ReleaseState.ACTIVE)] });
    const objects = synthRainbow(chart);
    const ds = deployments(objects);
    expect(ds).toHaveLength(3);
    for (const pdb of ofKind(objects, 'PodDisruptionBudget')) {
      const selected = ds.filter(d => selectorMatches(pdb.spec.selector, templateLabels(d)));
      expect(selected.map(d => d.metadata.name)).toEqual([pdb.metadata.name]);
      expect(pdb.metadata.labels['graceful-k8s.io/release']).toBe(templateLabels(selected[0])['graceful-k8s.io/release']);
    }
    expect(ofKind(objects, 'PodDisruptionBudget')).toHaveLength(3);
    // HPAs on the serving releases (staged and active), a ScaledObject on the draining one.
    expect(ofKind(objects, 'HorizontalPodAutoscaler').map(h => [h.metadata.name, h.spec.scaleTargetRef.name])).toEqual([
      ['chat-1-5-0', 'chat-1-5-0'], ['chat-1-6-0', 'chat-1-6-0'],
    ]);
    expect(ofKind(objects, 'ScaledObject').map(s => [s.metadata.name, s.spec.scaleTargetRef.name])).toEqual([['chat-1-4-0', 'chat-1-4-0']]);
    expect(errorsOf(objects)).toEqual([]);
  });

  test('grace period = the release\'s own shutdown (preStop + drain + margin), the same for every release, not the connections\' lifetime', () => {
    const { chart, rainbow: r } = rainbow({ shutdown: { drainTimeout: Duration.seconds(30) } });
    const objects = synthRainbow(chart);
    for (const d of deployments(objects)) {
      expect(d.spec.template.spec.terminationGracePeriodSeconds).toBe(50);
      expect(d.metadata.annotations['graceful-k8s.io/drain-seconds']).toBe('30');
    }
    expect(r.deploymentOf('1.4.0').shutdownBudget.terminationGracePeriodSeconds).toBe(50);
    expect(warningsOf(r)).toEqual([]);
  });
});

describe('scale to zero with KEDA', () => {
  test('a draining release: minReplicaCount 0, cooldown, the trigger for its own pods, the HPA KEDA creates kept from scaling, no spec.replicas', () => {
    const { chart, rainbow: r } = rainbow();
    const objects = synthRainbow(chart);
    const so = only(objects, 'ScaledObject');
    expect(so).toEqual({
      apiVersion: 'keda.sh/v1alpha1',
      kind: 'ScaledObject',
      metadata: {
        annotations: { 'validations.keda.sh/hpa-ownership': 'false' },
        labels: { 'graceful-k8s.io/app': 'chat', 'graceful-k8s.io/release': '1-4-0', 'graceful-k8s.io/release-state': 'draining' },
        name: 'chat-1-4-0',
        namespace: 'chat',
      },
      spec: {
        advanced: { horizontalPodAutoscalerConfig: { behavior: { scaleDown: { selectPolicy: 'Disabled' }, scaleUp: { selectPolicy: 'Disabled' } } } },
        cooldownPeriod: 120,
        maxReplicaCount: 10,
        minReplicaCount: 0,
        pollingInterval: 30,
        scaleTargetRef: { name: 'chat-1-4-0' },
        triggers: [{
          type: 'prometheus',
          metadata: {
            activationThreshold: '0',
            ignoreNullValues: 'false',
            query: 'sum(chat_open_connections{namespace="chat", release="1-4-0"})',
            serverAddress: 'http://prometheus.monitoring.svc:9090',
            threshold: '1',
          },
        }],
      },
    });
    expect(r.scaledObjectOf('1.4.0')!.minReplicaCount).toBe(0);
    expect(r.scaledObjectOf('1.5.0')).toBeUndefined();
    // KEDA owns the count: no spec.replicas, so GS010 has nothing to say; the HPA owns the active one's.
    expect(named(objects, 'Deployment', 'chat-1-4-0').spec.replicas).toBeUndefined();
    expect(named(objects, 'Deployment', 'chat-1-5-0').spec.replicas).toBeUndefined();
    expect(errorsOf(objects).map(f => f.ruleId)).toEqual([]);
  });

  test('a draining release scaled to zero by KEDA is not "fewer than 2 replicas" (GS009), even with no Service in view', () => {
    const { chart } = rainbow();
    const objects = synthRainbow(chart).filter(o => o.kind !== 'Service');
    expect(checkManifests(objects).findings).toEqual([]);
    expect(checkManifests(objects, { routesComplete: false }).findings).toEqual([]);
  });

  test('a custom KEDA scaler, its placeholders replaced per release', () => {
    const { chart } = rainbow({
      scaleToZero: RainbowScaleToZero.custom({
        trigger: { type: 'rabbitmq', metadata: { queueName: 'transcode-{{release}}', mode: 'QueueLength', value: '1' }, authenticationRef: 'rabbitmq-auth' },
        pollingInterval: Duration.seconds(10),
      }),
    });
    const so = only(synthRainbow(chart), 'ScaledObject');
    expect(so.spec.triggers).toEqual([{ type: 'rabbitmq', metadata: { queueName: 'transcode-1-4-0', mode: 'QueueLength', value: '1' }, authenticationRef: { name: 'rabbitmq-auth' } }]);
    expect(so.spec.pollingInterval).toBe(10);
    expect(so.spec.cooldownPeriod).toBe(300);
  });

  test('the KEDA schema check has teeth: a malformed ScaledObject is refused', () => {
    const { chart } = rainbow();
    const so = only(Testing.synth(chart), 'ScaledObject');
    expect(() => validateKedaSchema([{ ...so, spec: { ...so.spec, minReplicaCount: '0' } }])).toThrow('minReplicaCount must be integer');
  });
});

describe('without KEDA', () => {
  test('fixed replicas: a draining release keeps them (or the count set by hand), records drainFor and retire-after; no HPA, no ScaledObject', () => {
    const chart = new Chart(Testing.app(), 'test');
    new RainbowDeployment(chart, 'chat', {
      metadata: { name: 'chat' },
      container,
      replicas: 3,
      drainFor: Duration.hours(2),
      releases: [
        RainbowRelease.fromImage(`${IMAGE}:1.3.0`, ReleaseState.DRAINING, { replicas: 1, drainingSince: '2026-11-20T10:00:00Z', drainFor: Duration.hours(6) }),
        RainbowRelease.fromImage(`${IMAGE}:1.4.0`, ReleaseState.DRAINING, { drainingSince: '2999-01-01T00:00:00Z' }),
        release('1.5.0', ReleaseState.ACTIVE),
      ],
      maxLiveReleases: 3,
    });
    const objects = synthRainbow(chart);
    const old = named(objects, 'Deployment', 'chat-1-3-0');
    expect(old.spec.replicas).toBe(1);
    expect(old.metadata.annotations).toMatchObject({
      'graceful-k8s.io/drain-for-seconds': '21600',
      'graceful-k8s.io/draining-since': '2026-11-20T10:00:00Z',
      'graceful-k8s.io/retire-after': '2026-11-20T16:00:00Z',
    });
    expect(named(objects, 'Deployment', 'chat-1-4-0').spec.replicas).toBe(3);
    expect(named(objects, 'Deployment', 'chat-1-4-0').metadata.annotations['graceful-k8s.io/retire-after']).toBe('2999-01-01T02:00:00Z');
    expect(named(objects, 'Deployment', 'chat-1-5-0').spec.replicas).toBe(3);
    expect(named(objects, 'Deployment', 'chat-1-5-0').metadata.annotations['graceful-k8s.io/drain-for-seconds']).toBeUndefined();
    expect(ofKind(objects, 'HorizontalPodAutoscaler')).toEqual([]);
    expect(ofKind(objects, 'ScaledObject')).toEqual([]);
    expect(errorsOf(objects)).toEqual([]);
  });

  test('autoscaled: a draining release drops the HPA and spec.replicas, so it keeps the count the HPA left', () => {
    const { chart } = rainbow({ scaleToZero: undefined });
    const objects = synthRainbow(chart);
    expect(named(objects, 'Deployment', 'chat-1-4-0').spec.replicas).toBeUndefined();
    expect(ofKind(objects, 'HorizontalPodAutoscaler').map(h => h.metadata.name)).toEqual(['chat-1-5-0']);
    expect(errorsOf(objects)).toEqual([]);
  });

  test('warns once a draining release is past its drainFor', () => {
    const { rainbow: r } = rainbow({
      scaleToZero: undefined,
      releases: [RainbowRelease.fromImage(`${IMAGE}:1.4.0`, ReleaseState.DRAINING, { drainingSince: '2026-01-01T00:00:00Z', drainFor: Duration.hours(1) }), release('1.5.0', ReleaseState.ACTIVE)],
    });
    expect(warningsOf(r)).toEqual([
      "release '1.4.0' has drained since 2026-01-01T00:00:00Z, longer than its 'drainFor' (3600s): set it to ReleaseState.RETIRED; the connections it "
      + 'still holds have outlived the drain you allowed',
    ]);
  });
});

describe('a release\'s pod template never changes', () => {
  /** The pod templates of a rainbow, by release name. */
  function templates(releases: RainbowRelease[], extra: Partial<RainbowDeploymentProps> = {}, ingress = false): Record<string, any> {
    const { chart, rainbow: r } = rainbow({ releases, ...extra });
    if (ingress) r.addIngress('/chat');
    return Object.fromEntries(deployments(Testing.synth(chart)).map(d => [d.metadata.name, d.spec.template]));
  }

  test('switching the active release (active → draining, staged → active) changes only labels on the Deployments, never a pod template', () => {
    const paths = { trafficPaths: [TrafficPath.awsAlb()] };
    const before = templates([release('1.4.0', ReleaseState.ACTIVE), release('1.5.0', ReleaseState.STAGED)], paths, true);
    const after = templates([release('1.4.0', ReleaseState.DRAINING), release('1.5.0', ReleaseState.ACTIVE)], paths, true);
    expect(after).toEqual(before);
    // The path in front of the Service sets every release's preStop, the draining one's too.
    expect(after['chat-1-4-0'].spec.containers[0].lifecycle.preStop).toEqual({ exec: { command: ['sleep', '60'] } });
  });

  test('an Ingress added on the Service after construction reaches every live release\'s shutdown at synth', () => {
    const { chart, rainbow: r } = rainbow();
    r.service.addIngress('/chat', { className: 'alb' });
    const objects = synthRainbow(chart);
    for (const d of deployments(objects)) {
      expect(d.spec.template.spec.terminationGracePeriodSeconds).toBe(80);
    }
    expect(r.deploymentOf('1.4.0').trafficPathsInFront.map(p => p.name)).toEqual(['kube-proxy (ClusterIP)', 'AWS ALB (IP targets)']);
    expect(errorsOf(objects)).toEqual([]);
  });

  test('templateHash pins a release: the same template passes, a changed shared setting fails synth with both hashes', () => {
    const pinned = templateHashOf(templates([release('1.4.0', ReleaseState.DRAINING), release('1.5.0', ReleaseState.ACTIVE)])['chat-1-4-0']);
    const releases = () => [RainbowRelease.fromImage(`${IMAGE}:1.4.0`, ReleaseState.DRAINING, { templateHash: pinned }), release('1.5.0', ReleaseState.ACTIVE)];
    expect(() => Testing.synth(rainbow({ releases: releases() }).chart)).not.toThrow();
    const { chart } = rainbow({ releases: releases(), container: { ...container, envVariables: { LOG_LEVEL: kplus.EnvValue.fromValue('debug') } } });
    const message = synthFails(() => Testing.synth(chart));
    expect(message).toMatch(new RegExp(`release '1.4.0' 'templateHash' \\(${pinned}\\) must match its pod template, which now hashes to [0-9a-f]{12}: applying it `
      + 'would replace every pod of this draining release and cut its connections'));
  });
});

describe('names', () => {
  test('a long version is shortened and hashed: within 63 characters, DNS-1123, still unique', () => {
    const long = 'feature-websocket-compression-and-presence-2026-11-22-build-4711';
    const long2 = `${long}-2`;
    const { chart, rainbow: r } = rainbow({ releases: [release(long, ReleaseState.DRAINING), release(long2, ReleaseState.ACTIVE)] });
    const objects = synthRainbow(chart);
    const names = deployments(objects).map(d => d.metadata.name);
    expect(names).toEqual([r.releaseNameOf(long), r.releaseNameOf(long2)]);
    expect(new Set(names).size).toBe(2);
    for (const name of names) {
      expect(name.length).toBeLessThanOrEqual(63);
      expect(name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
      expect(name).toMatch(/^chat-feature-websocket-compression-and-presence-2026-1-[0-9a-f]{8}$/);
    }
    for (const d of deployments(objects)) {
      expect(templateLabels(d)['graceful-k8s.io/release']).toBe(d.metadata.name.slice('chat-'.length));
    }
    expect(errorsOf(objects)).toEqual([]);
  });

  test('image digests: the version is the digest\'s first 12 hex digits (with the tag when there is one)', () => {
    const digest = 'sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08';
    expect(RainbowRelease.versionOf(`${IMAGE}@${digest}`)).toBe('9f86d081884c');
    expect(RainbowRelease.versionOf(`${IMAGE}:1.4.2@${digest}`)).toBe('1.4.2-9f86d081884c');
    expect(RainbowRelease.versionOf('registry.local:5000/chat:2026.11.22')).toBe('2026.11.22');
    const { chart } = rainbow({ releases: [RainbowRelease.fromImage(`${IMAGE}@${digest}`, ReleaseState.ACTIVE)] });
    expect(only(synthRainbow(chart), 'Deployment').metadata.name).toBe('chat-9f86d081884c');
  });

  test('property: any versions give names within 63 characters, DNS-1123, distinct when the versions are', () => {
    const version = fc.string({ minLength: 1, maxLength: 120 }).filter(v => v.trim() !== '' && /[a-z0-9]/i.test(v));
    fc.assert(fc.property(fc.uniqueArray(version, { minLength: 2, maxLength: 4, selector: v => versionSlug(v) }), versions => {
      const { rainbow: r } = rainbow({ releases: versions.map((v, i) => RainbowRelease.fromImage(`${IMAGE}:x`, i === 0 ? ReleaseState.ACTIVE : ReleaseState.DRAINING, { version: v })) });
      const names = versions.map(v => r.releaseNameOf(v));
      expect(new Set(names).size).toBe(versions.length);
      for (const n of names) {
        expect(n.length).toBeLessThanOrEqual(63);
        expect(n).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
      }
    }), { numRuns: 60 });
  });
});

describe('staged and protected releases', () => {
  test('a staged release runs like the active one (HPA, PDB) but no Service selects it', () => {
    const { chart } = rainbow({ releases: [release('1.4.0', ReleaseState.ACTIVE), release('1.5.0', ReleaseState.STAGED)] });
    const objects = synthRainbow(chart);
    expect(named(objects, 'Deployment', 'chat-1-5-0').metadata.labels['graceful-k8s.io/release-state']).toBe('staged');
    expect(named(objects, 'HorizontalPodAutoscaler', 'chat-1-5-0').spec.minReplicas).toBe(2);
    expect(only(objects, 'Service').spec.selector['graceful-k8s.io/release']).toBe('1-4-0');
    expect(errorsOf(objects)).toEqual([]);
  });

  test('protectDrainingFromPrune: Argo CD and Flux keep a draining release\'s objects through a sync that removed them; the active release is not protected', () => {
    const { chart } = rainbow({ protectDrainingFromPrune: true, metadata: { name: 'chat', annotations: { 'argocd.argoproj.io/sync-options': 'ServerSideApply=true' } } });
    const objects = synthRainbow(chart);
    for (const kind of ['Deployment', 'PodDisruptionBudget', 'ScaledObject']) {
      expect(named(objects, kind, 'chat-1-4-0').metadata.annotations).toMatchObject({
        'argocd.argoproj.io/sync-options': kind === 'Deployment' ? 'ServerSideApply=true,Prune=false' : 'Prune=false',
        'argocd.argoproj.io/compare-options': 'IgnoreExtraneous',
        'kustomize.toolkit.fluxcd.io/prune': 'disabled',
      });
    }
    expect(named(objects, 'Deployment', 'chat-1-5-0').metadata.annotations['argocd.argoproj.io/sync-options']).toBe('ServerSideApply=true');
    expect(named(objects, 'Deployment', 'chat-1-5-0').metadata.annotations['kustomize.toolkit.fluxcd.io/prune']).toBeUndefined();
  });

  test('warns over maxLiveReleases', () => {
    const { rainbow: r } = rainbow({
      releases: [release('1.2.0', ReleaseState.DRAINING), release('1.3.0', ReleaseState.DRAINING), release('1.4.0', ReleaseState.DRAINING), release('1.5.0', ReleaseState.ACTIVE)],
    });
    expect(warningsOf(r)).toEqual([
      "4 live releases (1.2.0 draining, 1.3.0 draining, 1.4.0 draining, 1.5.0 active) exceed 'maxLiveReleases' (3): each keeps its pods, PDB and autoscaler "
      + "until it is retired; set idle draining releases (scaled to zero, or past their 'drainFor') to ReleaseState.RETIRED",
    ]);
  });

  test('warns when the grace period is sized for connections rather than the app\'s shutdown', () => {
    const { chart, rainbow: r } = rainbow({ shutdown: { drainTimeout: Duration.hours(2) } });
    Testing.synth(chart);
    expect(warningsOf(r).join('\n')).toContain('terminationGracePeriodSeconds is 7220s: in a rainbow deployment a release keeps its connections while it drains');
  });
});

describe('refusals, each with the numbers and the fix', () => {
  const refuse = (props: Partial<RainbowDeploymentProps>) => synthFails(() => rainbow(props));

  test.each<[string, Partial<RainbowDeploymentProps>, string]>([
    ['no active release', { releases: [release('1.4.0', ReleaseState.DRAINING)] },
      "'releases' (no active release) must have exactly one ReleaseState.ACTIVE release, the one the Service selects; set the release that should take new connections to ACTIVE"],
    ['two active releases', { releases: [release('1.4.0', ReleaseState.ACTIVE), release('1.5.0', ReleaseState.ACTIVE)] },
      "'releases' (2 active: 1.4.0, 1.5.0) must have exactly one ReleaseState.ACTIVE release, the one the Service selects; set the others to DRAINING (or STAGED)"],
    ['a version twice', { releases: [release('1.4.0', ReleaseState.RETIRED), release('1.4.0', ReleaseState.ACTIVE)] },
      "'releases' (version '1.4.0' twice) must give each release its own version: a release's pods never change, so a new build or configuration is a new version"],
    ['two versions, one name', { releases: [RainbowRelease.fromImage(`${IMAGE}:1.4.0`, ReleaseState.RETIRED), RainbowRelease.fromImage(`${IMAGE}:1-4-0`, ReleaseState.ACTIVE)] },
      "'releases' (versions '1.4.0' and '1-4-0' both name the Deployment 'chat-1-4-0') must name each release differently; change one of the versions"],
    ['no releases', { releases: [] },
      "'releases' must list at least one release, e.g. [RainbowRelease.fromImage('ghcr.io/acme/chat:1.4.2', ReleaseState.ACTIVE)]"],
    ['containers on the rainbow', { containers: [{ image: 'x:1' }] },
      "'containers' (1) must not be set on a RainbowDeployment: each release has its own; set 'container' (everything but the image) and use RainbowRelease.fromImage(), "
      + 'or RainbowRelease.of({ containers })'],
    ['select', { select: true }, "'select' (true) must not be set: each release selects its own pods by graceful-k8s.io/app and graceful-k8s.io/release"],
    ['fromImage without container', { container: undefined },
      "release '1.5.0' (RainbowRelease.fromImage) needs 'container' on the RainbowDeployment: the port, probes and resources every release's container shares "
      + 'around its image; or give the release its containers with RainbowRelease.of()'],
    ['scaleToZero without autoscaling', { autoscaling: undefined, replicas: 3 },
      "'scaleToZero' needs 'autoscaling' for the serving releases (got 'replicas' 3): a release's spec.replicas must stay out of the manifest for its whole life, "
      + 'because removing it when the release starts draining resets the live count to 1 (kubectl apply) and cuts the connections of every other pod; '
      + 'set autoscaling: { minReplicas: 3, maxReplicas: 3 } for a fixed count'],
    ['replicas on the active release', { releases: [RainbowRelease.fromImage(`${IMAGE}:1.5.0`, ReleaseState.ACTIVE, { replicas: 4 })] },
      "release '1.5.0' 'replicas' (4) applies only while the release drains (it is active); set the RainbowDeployment's 'replicas' or 'autoscaling' for serving releases"],
    ['replicas with scaleToZero', { releases: [RainbowRelease.fromImage(`${IMAGE}:1.4.0`, ReleaseState.DRAINING, { replicas: 2 }), release('1.5.0', ReleaseState.ACTIVE)] },
      "release '1.4.0' 'replicas' (2) conflicts with 'scaleToZero': KEDA owns a draining release's replica count; remove 'replicas'"],
    ['drainingSince on the active release', { releases: [RainbowRelease.fromImage(`${IMAGE}:1.5.0`, ReleaseState.ACTIVE, { drainingSince: '2026-11-20' })] },
      "release '1.5.0' 'drainingSince' (2026-11-20) applies only to a draining release (it is active); remove it"],
    ['maxLiveReleases 0', { maxLiveReleases: 0 }, "'maxLiveReleases' (0) must be a whole number of at least 1"],
    ['a name that is not a DNS label', { metadata: { name: 'Chat_App' } },
      "'metadata.name' (Chat_App) must be a DNS-1035 label (lowercase letters, digits and '-', starting with a letter) of at most 54 characters: it names the "
      + "Service, and each release is '<name>-<version>' within 63 characters; shorten it"],
    ['a name too long for any version', { metadata: { name: 'c'.repeat(55) } }, `'metadata.name' (${'c'.repeat(55)}) must be a DNS-1035 label`],
  ])('throws if %s', (_what, props, message) => {
    expect(refuse(props)).toContain(message);
  });

  test('lists every problem at once', () => {
    const message = refuse({ select: true, maxLiveReleases: 0, releases: [release('1.4.0', ReleaseState.DRAINING)] });
    expect(message.split('\n').slice(1).map(l => l.trim().slice(0, 20))).toEqual(["'select' (true) must", "'releases' (no activ", "'maxLiveReleases' (0"]);
    expect(message).toMatch(/^RainbowDeployment 'chat':\n {2}/);
  });

  test.each<[string, () => unknown, string]>([
    ['an image without tag or digest', () => RainbowRelease.fromImage(IMAGE, ReleaseState.ACTIVE),
      "'image' (ghcr.io/acme/chat) must carry a tag or a digest: a release needs a version that names one build; write e.g. 'ghcr.io/acme/chat:1.4.2' or "
      + "'ghcr.io/acme/chat@sha256:…', or pass 'version'"],
    ['the tag latest', () => RainbowRelease.fromImage(`${IMAGE}:latest`, ReleaseState.ACTIVE),
      "'image' (ghcr.io/acme/chat:latest) is tagged 'latest', which names no particular build, so two releases could not be told apart; tag the build (e.g. with "
      + "its version or commit) or pin its digest, or pass 'version'"],
    ['a malformed digest', () => RainbowRelease.fromImage(`${IMAGE}@sha256`, ReleaseState.ACTIVE),
      "'image' (ghcr.io/acme/chat@sha256) has a digest that is not '<algorithm>:<hex>'; write it as 'repository@sha256:<64 hex digits>'"],
    ['RainbowRelease.of without containers', () => RainbowRelease.of({ version: '1.4.0', state: ReleaseState.ACTIVE, containers: [] }),
      "RainbowRelease '1.4.0': 'containers' must list at least one container"],
    ['a templateHash that is not one', () => RainbowRelease.fromImage(`${IMAGE}:1.4.0`, ReleaseState.DRAINING, { templateHash: 'abc' }),
      "'templateHash' (\"abc\") must be 12 lowercase hex digits, as the graceful-k8s.io/template-hash annotation shows"],
    ['drainingSince that is not a time', () => RainbowRelease.fromImage(`${IMAGE}:1.4.0`, ReleaseState.DRAINING, { drainingSince: 'yesterday' }),
      "'drainingSince' (\"yesterday\") must be an ISO 8601 time such as '2026-11-20T10:00:00Z'"],
    ['an empty version', () => RainbowRelease.fromImage(`${IMAGE}:1.4.0`, ReleaseState.DRAINING, { version: ' ' }),
      "'version' (\" \") must be a non-empty string, e.g. the image tag"],
    ['a Prometheus address that is not a URL', () => RainbowScaleToZero.prometheus({ serverAddress: 'prometheus:9090', query: 'sum(x{release="{{release}}"})' }),
      "'serverAddress' (\"prometheus:9090\") must be an http(s) URL, e.g. 'http://prometheus.monitoring.svc:9090'"],
    ['a query that does not name the release', () => RainbowScaleToZero.prometheus({ serverAddress: 'http://p:9090', query: 'sum(chat_open_connections)' }),
      'the trigger ("sum(chat_open_connections)") must name the release with {{release}} or {{deployment}}, or every draining release would measure all '
      + 'releases together and never become idle; e.g. sum(chat_open_connections{release="{{release}}"})'],
    ['an unknown placeholder', () => RainbowScaleToZero.prometheus({ serverAddress: 'http://p:9090', query: 'sum(x{release="{{release}}", pod="{{pod}}"})' }),
      'the trigger uses unknown placeholder(s) {{pod}}; known: {{release}}, {{deployment}}, {{namespace}}, {{app}}'],
    ['a negative activation threshold', () => RainbowScaleToZero.prometheus({ serverAddress: 'http://p:9090', query: 'x{release="{{release}}"}', activationThreshold: -1 }),
      "'activationThreshold' (-1) must be a number of zero or more"],
    ['CPU as the idle signal', () => RainbowScaleToZero.custom({ trigger: { type: 'cpu', metadata: { value: '50', release: '{{release}}' } } }),
      "'trigger.type' (cpu) cannot scale to zero: KEDA refuses a ScaledObject with minReplicaCount 0 whose only trigger is CPU or memory; measure the release's "
      + 'open connections or jobs instead'],
    ['a zero polling interval', () => RainbowScaleToZero.prometheus({ serverAddress: 'http://p:9090', query: 'x{release="{{release}}"}', pollingInterval: Duration.seconds(0) }),
      "'pollingInterval' (0s) must be a finite Duration of at least 1s"],
  ])('throws if %s', (_what, build, message) => {
    expect(synthFails(build)).toContain(message);
  });

  test('throws if the trigger needs a namespace the rainbow does not have', () => {
    expect(synthFails(() => rainbow({}, Testing.chart()))).toContain(
      "the scale-to-zero trigger uses {{namespace}} but the RainbowDeployment has no namespace; set 'metadata.namespace' or the chart's namespace");
  });

  test('synth lists the rainbow rules\' errors when someone points the Service at every release', () => {
    const { chart, rainbow: r } = rainbow();
    ApiObject.of(r.service).addJsonPatch(JsonPatch.remove('/spec/selector/graceful-k8s.io~1release'));
    const message = synthFails(() => Testing.synth(chart));
    expect(message).toContain("[GS033] Service 'chat/chat': selects the pods of 2 releases of 'chat'");
    expect(message).toContain("[GS034] Service 'chat/chat': selects Deployment 'chat-1-4-0' (release 1-4-0, draining), which is draining");
  });
});
