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

/**
 * The rules a graceful manifest must satisfy, stated directly so a snapshot update
 * cannot hide a regression.
 */
export function assertGracefulInvariants(objects: any[]): void {
  for (const d of ofKind(objects, 'Deployment')) {
    const spec = d.spec;
    const pod = spec.template.spec;
    const drain = Number(d.metadata.annotations['graceful-k8s.io/drain-seconds']);
    for (const c of pod.containers) {
      const preStop = c.lifecycle.preStop;
      const sleep = preStop.sleep ? preStop.sleep.seconds : preStop.exec ? Number(preStop.exec.command[1]) : Number(d.metadata.annotations['graceful-k8s.io/prestop-seconds']);
      expect(sleep).toBeGreaterThan(0);
      // grace > preStop + drain (spec 1.7)
      expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(sleep + drain);
      if ((c.ports ?? []).length > 0) {
        expect(c.readinessProbe).toBeDefined();
      }
      expect(preStop.tcpSocket).toBeUndefined();
    }
    if (spec.strategy.type === 'RollingUpdate') {
      expect(String(spec.strategy.rollingUpdate.maxUnavailable)).toMatch(/^0%?$/);
      expect(String(spec.strategy.rollingUpdate.maxSurge)).not.toMatch(/^0%?$/);
    }
    expect(spec.progressDeadlineSeconds).toBeGreaterThan(spec.minReadySeconds);
    const pdbs = ofKind(objects, 'PodDisruptionBudget').filter(p =>
      Object.entries(p.spec.selector.matchLabels).every(([k, v]) => pod && d.spec.template.metadata.labels[k] === v));
    for (const pdb of pdbs) {
      // Never a PDB that blocks a drain (spec 6.2).
      expect(pdb.spec.maxUnavailable).toBeGreaterThanOrEqual(1);
      expect(pdb.spec.minAvailable).toBeUndefined();
      expect(pdb.spec.unhealthyPodEvictionPolicy).toBe('AlwaysAllow');
    }
  }
}
