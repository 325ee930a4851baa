import * as fs from 'fs';
import * as path from 'path';
import { Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { CheckReport, Severity } from '../src';
import { checkManifests, formatFinding, ruleInfos } from '../src/checks';
import { GENERATED_DOCS, REGENERATE_DOCS, docWithGeneratedTables } from '../src/checks/generated-docs';
import { preStopOf, shellScriptOf } from '../src/manifest/pre-stop-hook';
import { scriptShape, sigtermReachesApp } from '../src/manifest/shells';

/** A compliant web app: Deployment + Service + PDB, as hand-written YAML would have it. */
function webApp(): any[] {
  const labels = { app: 'web' };
  return [
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'shop' },
      spec: {
        replicas: 3,
        minReadySeconds: 10,
        progressDeadlineSeconds: 600,
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 } },
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            terminationGracePeriodSeconds: 40,
            topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: labels } }],
            containers: [{
              name: 'app',
              image: 'ghcr.io/acme/web:2.0.0',
              ports: [{ containerPort: 8080 }],
              readinessProbe: { httpGet: { path: '/ready', port: 8080 } },
              livenessProbe: { httpGet: { path: '/healthz', port: 8080 }, failureThreshold: 6 },
              lifecycle: { preStop: { exec: { command: ['sleep', '15'] } } },
            }],
          },
        },
      },
    },
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'shop' }, spec: { selector: labels, ports: [{ port: 80, targetPort: 8080 }] } },
    { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'web', namespace: 'shop' }, spec: { maxUnavailable: 1, selector: { matchLabels: labels }, unhealthyPodEvictionPolicy: 'AlwaysAllow' } },
  ];
}

const deploymentOf = (objects: any[]) => objects[0];
const containerOf = (objects: any[]) => objects[0].spec.template.spec.containers[0];
const ids = (report: CheckReport) => report.findings.map(f => f.ruleId);

const HPA = (min: number, max: number) => ({
  apiVersion: 'autoscaling/v2',
  kind: 'HorizontalPodAutoscaler',
  metadata: { name: 'web', namespace: 'shop' },
  spec: { minReplicas: min, maxReplicas: max, scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' } },
});
const albIngress = (annotations: Record<string, string> = {}) => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'Ingress',
  metadata: { name: 'web', namespace: 'shop', annotations: { 'alb.ingress.kubernetes.io/target-type': 'ip', ...annotations } },
  spec: { ingressClassName: 'alb', rules: [{ http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } }] },
});

/**
 * For every rule: one mutation of the compliant app that breaks exactly that rule, and the
 * object the finding is reported on (the one holding the offending field).
 */
const MUTATIONS: Array<[string, (objects: any[]) => void, string?]> = [
  ['GS000', o => { deploymentOf(o).spec.replicas = '3'; }],
  ['GS001', o => { delete containerOf(o).readinessProbe; }],
  ['GS002', o => { containerOf(o).livenessProbe = { ...containerOf(o).readinessProbe, httpGet: { ...containerOf(o).readinessProbe.httpGet, scheme: 'HTTP' } }; }],
  ['GS003', o => { delete containerOf(o).lifecycle; }],
  ['GS004', o => { containerOf(o).lifecycle.preStop = { sleep: { seconds: 60 } }; }],
  ['GS005', o => { deploymentOf(o).spec.template.spec.terminationGracePeriodSeconds = 25; }],
  // node's official image is Debian-based: its /bin/sh is dash, which never execs the command of -c.
  ['GS006', o => { containerOf(o).image = 'node:22'; containerOf(o).command = ['/bin/sh', '-c', 'cd /app && node server.js']; }],
  ['GS007', o => { deploymentOf(o).spec.strategy.rollingUpdate.maxUnavailable = 1; }],
  ['GS008', o => { deploymentOf(o).spec.strategy.rollingUpdate = { maxSurge: 0, maxUnavailable: 1 }; }],
  ['GS009', o => { deploymentOf(o).spec.replicas = 1; o.splice(2, 1); }],
  ['GS010', o => { o.push(HPA(3, 9)); }],
  ['GS011', o => { o.splice(2, 1); }],
  ['GS012', o => { o[2].spec = { minAvailable: 3, selector: o[2].spec.selector, unhealthyPodEvictionPolicy: 'AlwaysAllow' }; }, 'PodDisruptionBudget'],
  ['GS013', o => { delete deploymentOf(o).spec.replicas; o[2].spec = { minAvailable: 2, selector: o[2].spec.selector, unhealthyPodEvictionPolicy: 'AlwaysAllow' }; o.push(HPA(2, 5)); }, 'PodDisruptionBudget'],
  ['GS014', o => { delete deploymentOf(o).spec.template.spec.topologySpreadConstraints; }],
  ['GS015', o => { containerOf(o).lifecycle.preStop = { tcpSocket: { port: 8080 } }; }],
  ['GS016', o => { containerOf(o).image = 'gcr.io/distroless/nodejs22-debian12'; }],
  ['GS017', o => { deploymentOf(o).spec.progressDeadlineSeconds = 30; containerOf(o).startupProbe = { tcpSocket: { port: 8080 }, failureThreshold: 30 }; }],
  ['GS018', o => { delete o[2].spec.unhealthyPodEvictionPolicy; }, 'PodDisruptionBudget'],
  ['GS019', o => { o[1].spec.publishNotReadyAddresses = true; }, 'Service'],
  ['GS020', o => { o[1].spec.ports[0].targetPort = 'http'; }, 'Service'],
  ['GS021', o => { containerOf(o).readinessProbe = { httpGet: { path: '/ready', port: 'http' } }; }],
  ['GS022', o => { o.push({ ...o[2], metadata: { name: 'web-extra', namespace: 'shop' } }); }],
  ['GS023', o => { containerOf(o).lifecycle.preStop = { exec: { command: ['nginx', '-s', 'quit'] } }; }],
  ['GS024', o => { containerOf(o).lifecycle.preStop = { exec: { command: ['/app/drain.sh'] } }; }],
  ['GS025', o => { o.push(albIngress({ 'alb.ingress.kubernetes.io/target-group-attributes': 'deregistration_delay.timeout_seconds=15' })); }],
  ['GS026', o => { o[1].spec.clusterIP = 'None'; }],
  ['GS027', o => {
    containerOf(o).lifecycle.preStop = { exec: { command: ['sleep', '35'] } };
    deploymentOf(o).spec.template.spec.terminationGracePeriodSeconds = 60;
    o.push(albIngress());
  }, 'Ingress'],
  ['GS028', o => { deploymentOf(o).spec.template.metadata.annotations = { 'sidecar.istio.io/inject': 'true' }; }],
  ['GS029', o => {
    const d = deploymentOf(o);
    d.kind = 'DaemonSet';
    delete d.spec.replicas; delete d.spec.strategy; delete d.spec.progressDeadlineSeconds;
    d.spec.updateStrategy = { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } };
    containerOf(o).ports = [{ containerPort: 8080, hostPort: 8080 }];
  }, 'DaemonSet'],
  ['GS030', o => {
    deploymentOf(o).spec.template.spec.volumes = [{ name: 'data', persistentVolumeClaim: { claimName: 'web-data' } }];
    o.push({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'web-data', namespace: 'shop' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } });
  }],
  ['GS031', o => {
    containerOf(o).lifecycle.preStop = { exec: { command: ['sleep', '35'] } };
    deploymentOf(o).spec.template.spec.terminationGracePeriodSeconds = 60;
    o.push(albIngress({ 'alb.ingress.kubernetes.io/target-group-attributes': 'deregistration_delay.timeout_seconds=15' }));
    o.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } });
  }, "Namespace 'shop'"],
  ['GS032', o => {
    const d = deploymentOf(o);
    o[0] = { apiVersion: 'v1', kind: 'Pod', metadata: { ...d.metadata, labels: d.spec.template.metadata.labels }, spec: d.spec.template.spec };
  }, 'Pod'],
  // Rainbow releases (graceful-k8s.io/release on the pods, the state on the Deployment).
  ['GS033', o => {
    const d = deploymentOf(o);
    d.spec.template.metadata.labels = { ...d.spec.template.metadata.labels, 'graceful-k8s.io/release': 'v1' };
    const next = structuredClone(d);
    next.metadata.name = 'web-v2';
    next.spec.template.metadata.labels['graceful-k8s.io/release'] = 'v2';
    o.push(next);
  }, 'Service'],
  ['GS034', o => {
    const d = deploymentOf(o);
    d.metadata.labels = { 'graceful-k8s.io/release-state': 'draining' };
    d.spec.template.metadata.labels = { ...d.spec.template.metadata.labels, 'graceful-k8s.io/release': 'v1' };
  }, 'Service'],
  ['GS035', o => {
    const d = deploymentOf(o);
    d.metadata.labels = { 'graceful-k8s.io/release-state': 'draining' };
    d.spec.template.metadata.labels = { ...d.spec.template.metadata.labels, 'graceful-k8s.io/release': 'v1' };
    delete d.spec.replicas;
    o.splice(1, 1);
    o.push(HPA(3, 9));
  }, 'HorizontalPodAutoscaler'],
  ['GS036', o => {
    const d = deploymentOf(o);
    d.metadata.annotations = { 'graceful-k8s.io/template-hash': '000000000000' };
    d.spec.template.metadata.labels = { ...d.spec.template.metadata.labels, 'graceful-k8s.io/release': 'v1' };
  }],
  ['GS037', o => {
    deploymentOf(o).spec.template.spec.initContainers = [{
      name: 'db-proxy', image: 'gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.14.1', restartPolicy: 'Always', args: ['--max-sigterm-delay=30s', 'acme:eu:db'],
    }];
  }],
  ['GS038', o => { containerOf(o).image = 'docker.io/bitnami/nginx:1.25.4'; }],
  ['GS039', o => { containerOf(o).command = ['nginx', '-g', 'daemon off;']; }],
  // An image of unknown family: its /bin/sh may be dash.
  ['GS040', o => { containerOf(o).command = ['/bin/sh', '-c', 'cd /app && node server.js']; }],
  // An Ingress path to a Service renamed since (web → web-api).
  ['GS041', o => {
    const ingress = albIngress();
    ingress.spec.ingressClassName = 'nginx';
    delete (ingress.metadata.annotations as Record<string, string>)['alb.ingress.kubernetes.io/target-type'];
    ingress.spec.rules[0].http.paths.push({ path: '/api', pathType: 'Prefix', backend: { service: { name: 'web-api', port: { number: 80 } } } });
    o.push(ingress);
  }, 'Ingress'],
  // A one-letter typo in a PodDisruptionBudget's selector: it protects nothing (a second, correct one keeps the pods covered).
  ['GS042', o => { o[2].spec.selector = { matchLabels: { app: 'wbe' } }; o.push({ ...o[2], metadata: { name: 'web-pdb', namespace: 'shop' }, spec: { ...o[2].spec, selector: { matchLabels: { app: 'web' } } } }); }, 'PodDisruptionBudget'],
  // Required anti-affinity, pinned to a node pool, rolling with a surge pod.
  ['GS043', o => {
    const spec = deploymentOf(o).spec.template.spec;
    spec.nodeSelector = { 'node-pool': 'edge' };
    spec.affinity = { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { app: 'web' } } }] } };
  }],
];

describe('rule pack', () => {
  test('the compliant web app has zero findings', () => {
    expect(checkManifests(webApp()).findings).toEqual([]);
  });

  test('every rule has a mutation test, ids are unique and stable', () => {
    const infos = ruleInfos();
    expect(infos.map(r => r.id)).toEqual(MUTATIONS.map(([id]) => id));
    expect(new Set(infos.map(r => r.id)).size).toBe(infos.length);
    for (const r of infos) {
      expect(r.title.length).toBeGreaterThan(10);
      expect(r.rationale.length).toBeGreaterThan(40);
      expect(r.fix.length).toBeGreaterThan(10);
    }
  });

  test.each(MUTATIONS)('%s: its mutation is caught by exactly that rule', (id, mutate, on = 'Deployment') => {
    const objects = webApp();
    mutate(objects);
    const report = checkManifests(objects);
    expect(report.problems).toEqual([]);
    expect(ids(report)).toEqual([id]);
    const finding = report.findings[0];
    // The finding is on the object holding the offending field: `Kind` (named shop/web) or `Kind 'ns/name'`.
    const where = on.includes("'") ? on : `${on} 'shop/web'`;
    expect(`${finding.kind} '${finding.namespace ? finding.namespace + '/' : ''}${finding.name}'`).toBe(where);
    expect(finding.pointer).toMatch(/^\//);
    expect(formatFinding(finding)).toMatch(new RegExp(`^\\[${id}\\] ${where}.*: .+\\. Fix: .+`));
  });

  test('GS005 names the numbers', () => {
    const objects = webApp();
    deploymentOf(objects).spec.template.spec.terminationGracePeriodSeconds = 25;
    expect(checkManifests(objects).findings[0].message).toBe(
      'terminationGracePeriodSeconds (25s) is less than preStop (15s) + drain (15s, assumed) = 30s; SIGKILL cuts the drain 5s short');
  });

  test('GS005 reads the declared drain', () => {
    const objects = webApp();
    deploymentOf(objects).metadata.annotations = { 'graceful-k8s.io/drain-seconds': '60' };
    const [finding] = checkManifests(objects).findings;
    expect(finding.ruleId).toBe('GS005');
    expect(finding.message).toContain('preStop (15s) + drain (60s) = 75s');
    expect(finding.fix).toContain('at least 80');
  });

  test('GS004 on a native sleep says the API server rejects it', () => {
    const objects = webApp();
    containerOf(objects).lifecycle.preStop = { sleep: { seconds: 60 } };
    expect(checkManifests(objects).findings[0].message).toBe('preStop waits 60s but terminationGracePeriodSeconds is 40s; the API server rejects this pod');
  });

  test('severities: warnings do not count as errors', () => {
    const objects = webApp();
    deploymentOf(objects).spec.replicas = 1;
    objects.splice(2, 1);
    expect(checkManifests(objects).findings.map(f => f.severity)).toEqual([Severity.WARNING]);
  });

  test('objects in another namespace do not relate', () => {
    const objects = webApp();
    objects[2].metadata.namespace = 'other';
    expect(ids(checkManifests(objects))).toEqual(['GS011']);
  });

  test('suppressions by annotation silence a rule and are reported', () => {
    const objects = webApp();
    deploymentOf(objects).spec.replicas = 1;
    objects.splice(2, 1);
    deploymentOf(objects).metadata.annotations = { 'graceful-k8s.io/suppress': '{"GS009":"leader-elected singleton by design"}' };
    const report = checkManifests(objects);
    expect(report.findings).toEqual([]);
    expect(report.suppressed.map(f => f.ruleId)).toEqual(['GS009']);
    expect(report.suppressions).toEqual([{ ruleId: 'GS009', reason: 'leader-elected singleton by design', kind: 'Deployment', name: 'web', namespace: 'shop' }]);
  });

  test('a suppression needs a real reason and a known rule', () => {
    const objects = webApp();
    deploymentOf(objects).metadata.annotations = { 'graceful-k8s.io/suppress': '{"GS009":"meh","GS999":"because I said so"}' };
    expect(checkManifests(objects).problems).toEqual([
      "Deployment 'shop/web': suppression of GS009 needs a reason of at least 10 characters (got \"meh\"); say why the rule does not apply",
      expect.stringMatching(/^Deployment 'shop\/web': suppression of unknown rule 'GS999'; known rules are GS000-GS\d{3} \(graceful-check --list-rules\)$/),
    ]);
  });

  test('a malformed suppression annotation is a problem, not a crash', () => {
    const objects = webApp();
    deploymentOf(objects).metadata.annotations = { 'graceful-k8s.io/suppress': 'GS009' };
    expect(checkManifests(objects).problems[0]).toMatch(/annotation 'graceful-k8s.io\/suppress' must be a JSON object of rule id to reason/);
  });

  test('covers raw cdk8s-plus k8s objects', () => {
    const chart = Testing.chart();
    new kplus.k8s.KubeDeployment(chart, 'raw', {
      spec: {
        selector: { matchLabels: { app: 'raw' } },
        template: { metadata: { labels: { app: 'raw' } }, spec: { containers: [{ name: 'c', image: 'nginx', ports: [{ containerPort: 80 }] }] } },
      },
    });
    expect(ids(checkManifests(Testing.synth(chart)))).toEqual(['GS001', 'GS003', 'GS009']);
  });

  test('StatefulSet, DaemonSet, Job: only the rules that apply', () => {
    // python's official image is Debian-based: /bin/sh is dash, which keeps SIGTERM from `work`.
    const pod = { metadata: { labels: { app: 'x' } }, spec: { containers: [{ name: 'c', image: 'python:3.12', command: ['sh', '-c', 'prepare && work'] }] } };
    const report = checkManifests([
      { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j' }, spec: { template: pod } },
      { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'cj' }, spec: { schedule: '* * * * *', jobTemplate: { spec: { template: pod } } } },
      { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'ds' }, spec: { selector: { matchLabels: { app: 'x' } }, template: pod } },
    ]);
    // A Job's pod that swallows SIGTERM loses its work when a drain evicts it: a warning; a DaemonSet's is an error.
    expect(report.findings.map(f => `${f.kind}:${f.ruleId}:${f.severity}`)).toEqual(['Job:GS006:warning', 'CronJob:GS006:warning', 'DaemonSet:GS006:error']);
    expect(report.workloadCount).toBe(3);
  });
});

describe('shell entrypoints', () => {
  // Whether SIGTERM reaches the app, per shell (test/shells.test.ts holds the model to the real shells).
  test.each([
    [['sh', '-c', 'node server.js'], { dash: false, bash: true, ash: true }],
    [['sh', '-c', 'node server.js --port $PORT'], { dash: false, bash: true, ash: true }],
    [['sh', '-c', 'migrate; node server.js'], { dash: false, bash: true, ash: true }],
    [['/bin/bash', '-c', 'cd /app && node server.js'], { dash: false, bash: true, ash: true }],
    [['sh', '-c', 'node server.js 2>&1'], { dash: false, bash: false, ash: true }],
    [['sh', '-c', 'node server.js | tee /log/out'], { dash: false, bash: false, ash: false }],
    [['sh', '-c', 'cd /app && exec node server.js'], { dash: true, bash: true, ash: true }],
    [['sh', '-c', 'exec tini -- node server.js'], { dash: true, bash: true, ash: true }],
    [['sh', '-c', 'trap "kill -TERM $child" TERM; node server.js & child=$!; wait'], { dash: true, bash: true, ash: true }],
    [['sh', '-ec', 'migrate\nexec node server.js'], { dash: true, bash: true, ash: true }],
    [['sh', '-c', 'node worker.js & node server.js'], { dash: false, bash: false, ash: false }],
  ])('%j: SIGTERM reaches the app %j', (command, reaches) => {
    const script = shellScriptOf(command as string[], undefined);
    expect(script).toBeDefined();
    const shape = scriptShape(script!);
    expect({ dash: sigtermReachesApp('dash', shape), bash: sigtermReachesApp('bash', shape), ash: sigtermReachesApp('ash', shape) }).toEqual(reaches);
  });

  test('command [sh] with args [-c, script] is a shell too', () => {
    expect(shellScriptOf(['sh'], ['-c', 'node server.js'])).toBe('node server.js');
  });

  test('a binary run directly is not a shell', () => {
    expect(shellScriptOf(['node', 'server.js'], undefined)).toBeUndefined();
  });
});

describe('documentation', () => {
  /** What is stale in a generated document, with how to regenerate it; undefined when up to date. */
  function staleness(file: string, text: string): string | undefined {
    return docWithGeneratedTables(file, text) === text
      ? undefined
      : `${file} is stale: its generated tables differ from the code; run \`${REGENERATE_DOCS}\` and commit ${file}`;
  }

  test.each(Object.keys(GENERATED_DOCS))('the generated tables of %s are the ones generated from the code', file => {
    const text = fs.readFileSync(path.join(__dirname, '..', file), 'utf8');
    expect(staleness(file, text)).toBeUndefined();
  });

  test('docs/rules.md lists every rule', () => {
    const text = fs.readFileSync(path.join(__dirname, '..', 'docs', 'rules.md'), 'utf8');
    for (const r of ruleInfos()) {
      expect(text).toContain(`| ${r.id} | ${r.severity} | ${r.area} | ${r.phase} |`);
    }
  });

  test('a stale docs/rules.md fails, with how to regenerate it', () => {
    const text = fs.readFileSync(path.join(__dirname, '..', 'docs', 'rules.md'), 'utf8');
    const stale = text.replace(/^\| GS001 \| error \|.*$/m, '| GS001 | error | probes | startup | an old wording | | |');
    expect(stale).not.toBe(text);
    expect(staleness('docs/rules.md', stale)).toBe(
      'docs/rules.md is stale: its generated tables differ from the code; run `npx projen compile && node scripts/docs-rules.js` and commit docs/rules.md');
  });

  test('a document without the generated section markers is refused, naming them', () => {
    expect(() => docWithGeneratedTables('docs/rules.md', '# Rules\n')).toThrow(/docs\/rules\.md has no generated rules section; add the lines\n<!-- rules:start/);
    expect(() => docWithGeneratedTables('README.md', '')).toThrow(/README\.md holds no generated table/);
  });
});

describe('preStop reading', () => {
  test.each([
    [{ sleep: { seconds: 7 } }, 7, true],
    [{ exec: { command: ['sleep', '15'] } }, 15, true],
    [{ exec: { command: ['/bin/sh', '-c', 'sleep 20'] } }, 20, true],
    [{ exec: { command: ['/bin/drain-and-wait'] } }, 12, false],
    [{ httpGet: { path: '/prestop', port: 8080 } }, 12, false],
  ])('%j: %s s, plain sleep %s', (hook, seconds, plain) => {
    const view = preStopOf({ lifecycle: { preStop: hook } }, 12);
    expect(view.seconds).toBe(seconds);
    expect(view.plainSleep ?? false).toBe(plain);
  });
});
