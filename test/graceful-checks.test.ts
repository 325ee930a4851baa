import * as path from 'path';
import { ApiObject, Include, Testing, Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import * as fc from 'fast-check';
import { synthError } from './util';
import { GracefulChecks, GracefulDeployment, GracefulService, KubernetesVersion, PreStop } from '../src';
import { checkManifests, warningsOf } from '../src/checks';

const FIXTURES = path.join(__dirname, 'fixtures', 'checker');

function rawDeployment(scope: any, id: string, container: any = { name: 'c', image: 'nginx', ports: [{ containerPort: 80 }] }) {
  return new kplus.k8s.KubeDeployment(scope, id, {
    metadata: { name: id },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: id } },
      template: { metadata: { labels: { app: id } }, spec: { containers: [container] } },
    },
  });
}

describe('GracefulChecks on a scope', () => {
  test('fails synth on raw k8s objects that break the rules, listing every problem', () => {
    const message = synthError(chart => {
      GracefulChecks.applyTo(chart);
      rawDeployment(chart, 'raw');
    });
    expect(message.match(/\[GS\d{3}\]/g)).toEqual(['[GS001]', '[GS003]']);
    expect(message).toContain("[GS001] Deployment 'raw' container 'c': serves port(s) 80 but has no readinessProbe");
  });

  test('covers Included YAML (Helm output)', () => {
    const message = synthError(chart => {
      GracefulChecks.applyTo(chart);
      new Include(chart, 'helm', { url: path.join(FIXTURES, 'helm-output.yaml') });
    });
    expect(message.match(/\[GS\d{3}\]/g)).toEqual(['[GS003]', '[GS007]']);
  });

  test('warnings do not fail synth and are recorded on the scope', () => {
    const chart = Testing.chart();
    GracefulChecks.applyTo(chart);
    new Include(chart, 'ok', { url: path.join(FIXTURES, 'helm-output.yaml') });
    // Suppress the three errors with reasons: only warnings remain.
    for (const [name, ids] of [['release-acme-frontend', ['GS003', 'GS007']], ['release-acme-cleanup', ['GS006']]] as const) {
      const obj = chart.node.findAll().find(c => ApiObject.isApiObject(c) && c.name === name && c.kind !== 'Service')!;
      GracefulChecks.suppress(obj, ids.map(id => ({ id, reason: 'legacy chart, tracked in the platform backlog' })));
    }
    Testing.synth(chart);
    // The cleanup job runs `sh -c <one command>` in an image of unknown family: whether its shell
    // execs the command depends on the image's /bin/sh (GS040, a warning), so the GS006
    // suppression silences nothing and is noted as stale.
    expect(warningsOf(chart).map(w => w.slice(0, 7))).toEqual(['[GS010]', '[GS011]', '[GS014]', '[GS040]']);
    const report = GracefulChecks.check(chart);
    expect(report.suppressed.map(f => f.ruleId)).toEqual(['GS003', 'GS007']);
    expect(report.notes).toEqual([expect.stringMatching(/^suppression of GS006 on CronJob '[^']*release-acme-cleanup' matched no finding/)]);
    expect(report.suppressions.map(s => `${s.name}:${s.ruleId}`)).toEqual(['release-acme-frontend:GS003', 'release-acme-frontend:GS007', 'release-acme-cleanup:GS006']);
  });

  test('warningsAsErrors fails synth on warnings', () => {
    const message = synthError(chart => {
      GracefulChecks.applyTo(chart, { warningsAsErrors: true });
      rawDeployment(chart, 'raw', {
        name: 'c',
        image: 'nginx',
        ports: [{ containerPort: 80 }],
        readinessProbe: { tcpSocket: { port: kplus.k8s.IntOrString.fromNumber(80) } },
        lifecycle: { preStop: { exec: { command: ['sleep', '10'] } } },
      });
    });
    expect(message.match(/\[GS\d{3}\]/g)).toEqual(['[GS011]', '[GS014]']);
  });

  test('does not report twice what a GracefulDeployment reports itself', () => {
    const message = synthError(chart => {
      GracefulChecks.applyTo(chart);
      new GracefulDeployment(chart, 'api', { containers: [{ image: 'x', portNumber: 8080 }] });
    });
    expect(message.match(/\[GS001\]/g)).toHaveLength(1);
  });

  test('adds what only the scope can see: a Service publishing not-ready addresses in front of a GracefulDeployment', () => {
    const message = synthError(chart => {
      GracefulChecks.applyTo(chart);
      const d = new GracefulDeployment(chart, 'api', { containers: [{ image: 'x', portNumber: 8080, readiness: kplus.Probe.fromHttpGet('/ready') }] });
      new kplus.k8s.KubeService(chart, 'svc', { spec: { selector: d.matchLabels, publishNotReadyAddresses: true, ports: [{ port: 80 }] } });
    });
    expect(message).toMatch(/\[GS019\] Service 'test-svc-[0-9a-f]+': publishNotReadyAddresses is true on a client Service/);
  });

  test('check(scope) returns the report without failing', () => {
    const chart = Testing.chart();
    rawDeployment(chart, 'raw');
    expect(GracefulChecks.check(chart).findings.map(f => f.ruleId)).toEqual(['GS001', 'GS003', 'GS007', 'GS011', 'GS014'].filter(id => id !== 'GS007'));
  });

  test('suppress refuses a short reason or an unknown rule, at once', () => {
    const chart = Testing.chart();
    const d = rawDeployment(chart, 'raw');
    expect(() => GracefulChecks.suppress(d, [{ id: 'GS001', reason: 'nah' }])).toThrow(
      "suppression on 'test/raw': suppression of GS001 needs a reason of at least 10 characters (got \"nah\"); say why the rule does not apply");
    expect(() => GracefulChecks.suppress(d, [{ id: 'GS100', reason: 'a long enough reason' }])).toThrow(/suppression of unknown rule 'GS100'/);
  });

  test('suppressions land in the YAML, so the CLI and plugin honour them', () => {
    const chart = Testing.chart();
    const d = rawDeployment(chart, 'raw');
    GracefulChecks.suppress(d, [{ id: 'GS001', reason: 'probed by the service mesh sidecar' }]);
    GracefulChecks.suppress(d, [{ id: 'GS003', reason: 'mesh drains connections before SIGTERM' }]);
    const [manifest] = Testing.synth(chart);
    expect(JSON.parse(manifest.metadata.annotations['graceful-k8s.io/suppress'])).toEqual({
      GS001: 'probed by the service mesh sidecar',
      GS003: 'mesh drains connections before SIGTERM',
    });
    expect(checkManifests([manifest]).suppressed.map(f => f.ruleId)).toEqual(['GS001', 'GS003']);
  });
});

describe('agreement between the constructs and the rules', () => {
  const image = 'ghcr.io/acme/api:1.0.0';
  const config = fc.record({
    preStop: fc.integer({ min: 5, max: 60 }),
    drain: fc.integer({ min: 0, max: 600 }),
    replicas: fc.integer({ min: 2, max: 30 }),
    surge: fc.integer({ min: 1, max: 100 }),
    nativeSleep: fc.boolean(),
    autoscaled: fc.boolean(),
    service: fc.boolean(),
  });

  function build(c: fc.infer<typeof config>) {
    const chart = Testing.chart();
    const d = new GracefulDeployment(chart, 'api', {
      containers: [{ image, portNumber: 8080, readiness: kplus.Probe.fromHttpGet('/ready'), liveness: kplus.Probe.fromHttpGet('/live', { failureThreshold: 5 }) }],
      shutdown: { preStopDelay: Duration.seconds(c.preStop), drainTimeout: Duration.seconds(c.drain) },
      strategy: kplus.DeploymentStrategy.rollingUpdate({
        maxSurge: kplus.PercentOrAbsolute.percent(c.surge), maxUnavailable: kplus.PercentOrAbsolute.absolute(0),
      }),
      ...(c.autoscaled ? { autoscaling: { maxReplicas: c.replicas + 2 } } : { replicas: c.replicas }),
      ...(c.nativeSleep ? { preStop: PreStop.nativeSleep(), kubernetesVersion: KubernetesVersion.V1_34 } : {}),
    });
    if (c.service) {
      new GracefulService(chart, 'svc', { workload: d });
    }
    return Testing.synth(chart);
  }

  test('everything the constructs synthesize passes the rules with zero findings', () => {
    fc.assert(fc.property(config, c => {
      const report = checkManifests(build(c));
      expect(report.findings).toEqual([]);
      expect(report.problems).toEqual([]);
    }), { numRuns: 40 });
  });

  const dep = (o: any[]) => o.find(x => x.kind === 'Deployment');
  const ctr = (o: any[]) => dep(o).spec.template.spec.containers[0];
  const pdb = (o: any[]) => o.find(x => x.kind === 'PodDisruptionBudget');
  /** Single-field mutations of synthesized output, each breaking exactly one rule. */
  const MUTATIONS: Array<[string, (o: any[]) => void]> = [
    ['GS001', o => { delete ctr(o).readinessProbe; }],
    ['GS002', o => { ctr(o).livenessProbe = structuredClone(ctr(o).readinessProbe); }],
    ['GS003', o => { delete ctr(o).lifecycle; }],
    ['GS004', o => { ctr(o).lifecycle.preStop = { sleep: { seconds: dep(o).spec.template.spec.terminationGracePeriodSeconds + 1 } }; }],
    ['GS005', o => { dep(o).metadata.annotations['graceful-k8s.io/drain-seconds'] = String(dep(o).spec.template.spec.terminationGracePeriodSeconds); }],
    // A Debian-based image: its /bin/sh is dash, which never execs the command of -c.
    ['GS006', o => { ctr(o).image = 'python:3.12-slim'; ctr(o).command = ['sh', '-c', 'migrate && /app/server --port 8080']; }],
    ['GS007', o => { dep(o).spec.strategy.rollingUpdate.maxUnavailable = '100%'; }],
    ['GS008', o => { dep(o).spec.strategy.rollingUpdate = { maxSurge: 0, maxUnavailable: 1 }; }],
    ['GS012', o => { pdb(o).spec.maxUnavailable = 0; }],
    ['GS014', o => { delete dep(o).spec.template.spec.topologySpreadConstraints; }],
    ['GS015', o => { ctr(o).lifecycle.preStop = { tcpSocket: { port: 8080 } }; }],
    ['GS016', o => { ctr(o).lifecycle.preStop = { exec: { command: ['sleep', '5'] } }; ctr(o).image = 'gcr.io/distroless/static'; }],
    ['GS017', o => { dep(o).spec.progressDeadlineSeconds = dep(o).spec.minReadySeconds; }],
    ['GS018', o => { delete pdb(o).spec.unhealthyPodEvictionPolicy; }],
  ];

  test('each single-field mutation of synthesized output is caught by exactly its rule', () => {
    fc.assert(fc.property(config, fc.integer({ min: 0, max: MUTATIONS.length - 1 }), (c, m) => {
      const [id, mutate] = MUTATIONS[m];
      const objects = build({ ...c, service: false });
      mutate(objects);
      expect(checkManifests(objects).findings.map(f => f.ruleId)).toEqual([id]);
    }), { numRuns: 120 });
  });
});
