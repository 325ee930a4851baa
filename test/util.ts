import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { Chart, Testing } from 'cdk8s';
import * as YAML from 'yaml';

// Quiet the synth-time warning printer in tests; warnings are asserted through warningsOf().
process.env.GRACEFUL_K8S_QUIET = '1';

/** The packages of Kubernetes OpenAPI models, built-in kinds first, then the custom resources the constructs write. */
const MODEL_PACKAGES = ['kubernetes-models', '@kubernetes-models/keda', '@kubernetes-models/gke'];
const models = new Map<string, (new (data: any) => { validate(): void }) | undefined>();

/** The schema model of an apiVersion and kind (`kubernetes-models/apps/v1`'s Deployment), if a package has one. */
export function schemaModelOf(apiVersion: string, kind: string): (new (data: any) => { validate(): void }) | undefined {
  const key = `${apiVersion}/${kind}`;
  if (!models.has(key)) {
    let model;
    for (const pkg of MODEL_PACKAGES) {
      try {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        model = require(`${pkg}/${apiVersion}`)[kind];
      } catch {
        model = undefined; // the package has no such group/version
      }
      if (model) break;
    }
    models.set(key, model);
  }
  return models.get(key);
}

// @kubernetes-models/keda is an ES module only (its package exports have no `require` condition),
// which jest's CommonJS runtime cannot load; a child Node process imports it and validates.
const VALIDATE_SCRIPT = `
import { ScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject';
let input = '';
for await (const chunk of process.stdin) input += chunk;
const errors = [];
for (const o of JSON.parse(input)) {
  try { new ScaledObject(o).validate(); } catch (e) { errors.push(\`ScaledObject \${o?.metadata?.name}: \${e.message}\`); }
}
process.stdout.write(JSON.stringify(errors));
`;

/** Validates ScaledObjects against KEDA's published schema (@kubernetes-models/keda); throws naming each invalid one. */
export function validateKedaSchema(scaledObjects: any[]): void {
  if (scaledObjects.length === 0) {
    return;
  }
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', VALIDATE_SCRIPT], { cwd: path.join(__dirname, '..'), input: JSON.stringify(scaledObjects) });
  const errors: string[] = JSON.parse(out.toString());
  if (errors.length > 0) {
    throw new Error(`not valid against KEDA's schema:\n  ${errors.join('\n  ')}`);
  }
}

/** Validates every object against the Kubernetes OpenAPI schema; throws naming the object. */
export function validateSchema(objects: any[]): void {
  for (const obj of objects) {
    const Model = schemaModelOf(obj.apiVersion, obj.kind);
    if (!Model) {
      throw new Error(`no schema model for ${obj.apiVersion}/${obj.kind}`);
    }
    try {
      new Model(obj).validate();
    } catch (e) {
      throw new Error(`${obj.kind} ${obj.metadata?.name} is not valid Kubernetes: ${(e as Error).message}`);
    }
  }
}

/**
 * Every object of the synthesized manifest files (`dist/*.k8s.yaml`) against the schema; a kind no
 * package models is named too, so that a new kind cannot slip past. Returns how many were checked.
 */
export function validateManifestFiles(files: string[]): number {
  let count = 0;
  for (const file of files) {
    const objects = YAML.parseAllDocuments(fs.readFileSync(file, 'utf8')).map(d => d.toJSON()).filter(o => o !== null);
    try {
      validateSchema(objects.filter((o: any) => o.kind !== 'ScaledObject'));
      validateKedaSchema(objects.filter((o: any) => o.kind === 'ScaledObject'));
    } catch (e) {
      throw new Error(`${file}: ${(e as Error).message}`);
    }
    count += objects.length;
  }
  return count;
}

/** Synthesizes a chart and checks every object against the schema. */
export function synthValid(chart: Chart): any[] {
  const objects = Testing.synth(chart);
  validateSchema(objects);
  return objects;
}

export function ofKind(objects: any[], kind: string): any[] {
  return objects.filter(o => o.kind === kind);
}

export function only(objects: any[], kind: string): any {
  const found = ofKind(objects, kind);
  if (found.length !== 1) {
    throw new Error(`expected one ${kind}, found ${found.length}`);
  }
  return found[0];
}

/** The synth error message (validation errors are thrown at synth). */
export function synthError(build: (chart: Chart) => void): string {
  const chart = Testing.chart();
  try {
    build(chart);
    Testing.synth(chart);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected synth to fail, but it succeeded');
}

/** Seconds a container's preStop keeps it serving, read from the hook (or the declared annotations for hooks that are not a sleep). */
export function preStopSecondsOf(workload: any, c: any): number {
  const preStop = c.lifecycle?.preStop;
  if (!preStop) return 0;
  if (preStop.sleep) return preStop.sleep.seconds;
  const command: string[] = preStop.exec?.command ?? [];
  if (command[0] === 'sleep') return Number(command[1]);
  const script = command[0] === 'sh' && command[1] === '-c' ? /^sleep (\d+)( |$)/.exec(command[2]) : null;
  if (script) return Number(script[1]);
  const annotations = workload.metadata.annotations ?? {};
  const own = JSON.parse(annotations['graceful-k8s.io/container-prestop-seconds'] ?? '{}')[c.name];
  return Number(own ?? annotations['graceful-k8s.io/prestop-seconds']);
}

/** Seconds a container needs after SIGTERM, as declared. */
export function drainSecondsOf(workload: any, c: any): number {
  const annotations = workload.metadata.annotations ?? {};
  const own = JSON.parse(annotations['graceful-k8s.io/container-drain-seconds'] ?? '{}')[c.name];
  return Number(own ?? annotations['graceful-k8s.io/drain-seconds']);
}

/**
 * The rules a graceful manifest must satisfy, stated directly so a snapshot update
 * cannot hide a regression.
 */
export function assertGracefulInvariants(objects: any[]): void {
  for (const d of objects.filter(o => ['Deployment', 'StatefulSet', 'DaemonSet'].includes(o.kind))) {
    const spec = d.spec;
    const pod = spec.template.spec;
    const grace = pod.terminationGracePeriodSeconds;
    let appsDone = 0;
    for (const c of pod.containers) {
      const preStop = preStopSecondsOf(d, c);
      const drain = drainSecondsOf(d, c);
      if ((c.ports ?? []).length > 0) {
        // A serving container waits for proxies before SIGTERM (spec 1.3).
        expect(preStop).toBeGreaterThan(0);
      }
      // grace > preStop + drain, for every container (spec 1.7)
      expect(grace).toBeGreaterThan(preStop + drain);
      appsDone = Math.max(appsDone, preStop + drain);
      if ((c.ports ?? []).length > 0) {
        expect(c.readinessProbe).toBeDefined();
      }
      expect(c.lifecycle?.preStop?.tcpSocket).toBeUndefined();
    }
    // Native sidecars get SIGTERM after the app containers exited, in reverse order (spec 1.9):
    // grace > app preStop + app drain, then each sidecar's drain.
    const sidecars = (pod.initContainers ?? []).filter((c: any) => c.restartPolicy === 'Always');
    let done = appsDone;
    for (const s of [...sidecars].reverse()) {
      done = Math.max(done, preStopSecondsOf(d, s)) + drainSecondsOf(d, s);
    }
    expect(grace).toBeGreaterThan(done);
    if (d.kind === 'Deployment' && spec.strategy.type === 'RollingUpdate') {
      expect(String(spec.strategy.rollingUpdate.maxUnavailable)).toMatch(/^0%?$/);
      expect(String(spec.strategy.rollingUpdate.maxSurge)).not.toMatch(/^0%?$/);
    }
    if (d.kind === 'DaemonSet' && spec.updateStrategy.type === 'RollingUpdate') {
      // Exactly one non-zero (the API server's rule), and a surge only without host ports.
      const { maxSurge, maxUnavailable } = spec.updateStrategy.rollingUpdate;
      expect([maxSurge, maxUnavailable].filter(v => !/^0%?$/.test(String(v)))).toHaveLength(1);
      const hostPorts = pod.hostNetwork === true || pod.containers.some((c: any) => (c.ports ?? []).some((p: any) => p.hostPort));
      if (hostPorts) expect(String(maxSurge)).toMatch(/^0%?$/);
    }
    if (d.kind === 'Deployment') {
      expect(spec.progressDeadlineSeconds).toBeGreaterThan(spec.minReadySeconds);
    }
    const pdbs = ofKind(objects, 'PodDisruptionBudget').filter(p =>
      Object.entries(p.spec.selector.matchLabels).every(([k, v]) => d.spec.template.metadata.labels[k] === v));
    if (d.kind === 'DaemonSet') {
      // Node drains skip DaemonSet pods: no PDB.
      expect(pdbs).toEqual([]);
    }
    for (const pdb of pdbs) {
      // Never a PDB that blocks a drain (spec 6.2): at least one eviction at the replicas.
      const replicas = spec.replicas ?? ofKind(objects, 'HorizontalPodAutoscaler').find(h => h.spec.scaleTargetRef.name === d.metadata.name)?.spec.minReplicas;
      const allowed = pdb.spec.maxUnavailable !== undefined
        ? resolve(pdb.spec.maxUnavailable, replicas, true)
        : replicas - resolve(pdb.spec.minAvailable, replicas, true);
      expect(allowed).toBeGreaterThanOrEqual(1);
      expect(pdb.spec.unhealthyPodEvictionPolicy).toBe('AlwaysAllow');
    }
  }
}

function resolve(value: number | string, replicas: number, roundUp: boolean): number {
  if (typeof value === 'number') return value;
  const exact = (Number(value.replace('%', '')) * replicas) / 100;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}
