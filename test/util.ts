import { BackendConfig } from '@kubernetes-models/gke/cloud.google.com/v1/BackendConfig';
import { Chart, Testing } from 'cdk8s';
import * as apps from 'kubernetes-models/apps/v1';
import * as autoscaling from 'kubernetes-models/autoscaling/v2';
import * as networking from 'kubernetes-models/networking.k8s.io/v1';
import * as policy from 'kubernetes-models/policy/v1';
import * as core from 'kubernetes-models/v1';

// Quiet the synth-time warning printer in tests; warnings are asserted through warningsOf().
process.env.GRACEFUL_K8S_QUIET = '1';

const MODELS: Record<string, new (data: any) => { validate(): void }> = {
  'apps/v1/Deployment': apps.Deployment,
  'apps/v1/StatefulSet': apps.StatefulSet,
  'apps/v1/DaemonSet': apps.DaemonSet,
  'v1/Service': core.Service,
  'policy/v1/PodDisruptionBudget': policy.PodDisruptionBudget,
  'autoscaling/v2/HorizontalPodAutoscaler': autoscaling.HorizontalPodAutoscaler,
  'networking.k8s.io/v1/Ingress': networking.Ingress,
  'cloud.google.com/v1/BackendConfig': BackendConfig,
};

/** Validates every object against the Kubernetes OpenAPI schema; throws naming the object. */
export function validateSchema(objects: any[]): void {
  for (const obj of objects) {
    const Model = MODELS[`${obj.apiVersion}/${obj.kind}`];
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
