// What sits in front of the pods: ingress controllers, cloud load balancers, DNS and service
// meshes, each with its own lag and drain (docs/traffic-paths.md).

import { DATA_PLANES } from '../../manifest/data-planes';
import { ContainerTraffic, DataPlane, isServing } from '../../manifest/routing';
import { LONG_RUNNING_KINDS } from '../../manifest/workload';
import { RawFinding, Severity, TimelinePhase, WorkloadContext, area, onWorkload } from '../rule';

/** preStop delays shorter than the lag of a data plane in front, for planes whose lag is (un)certain. */
function lagFindings(ctx: WorkloadContext, certain: boolean): RawFinding[] {
  const out: RawFinding[] = [];
  for (const t of ctx.traffic.containers.filter(isServing)) {
    const preStop = t.container.preStop;
    if (preStop.seconds === undefined || preStop.seconds === 0 || preStop.kind === 'tcpSocket' || (preStop.stopCommand && !preStop.gracefulStopAfterSleep)) {
      continue; // GS003, GS015, GS023 and GS024 say what is wrong with these hooks
    }
    const short = t.dataPlanes.filter(d => DATA_PLANES[d.kind].lagIsCertain === certain && preStop.seconds! < DATA_PLANES[d.kind].propagationSeconds);
    if (short.length === 0) continue;
    const worst = short.reduce((a, b) => (DATA_PLANES[b.kind].propagationSeconds > DATA_PLANES[a.kind].propagationSeconds ? b : a));
    const profile = DATA_PLANES[worst.kind];
    out.push({
      container: t.container.name,
      pointer: `${t.container.pointer}/lifecycle/preStop`,
      message: `preStop waits ${preStop.seconds}s but ${profile.title} in front (${worst.through}) may send new requests for up to ${profile.propagationSeconds}s `
        + `after the deletion (${profile.source}); those arriving after the preStop are refused`,
      fix: `raise the preStop delay to at least ${profile.recommendedPreStopSeconds}s and terminationGracePeriodSeconds to preStop + drain + margin `
        + `(${ctx.w.drainSeconds + profile.recommendedPreStopSeconds + 5}s); with graceful-k8s: GracefulService \`trafficPaths\``,
    });
  }
  return out;
}

/** A load balancer's drain must last through the path's lag and end before SIGKILL. */
function drainFindings(ctx: WorkloadContext): RawFinding[] {
  const out: RawFinding[] = [];
  const seen = new Set<string>();
  for (const t of ctx.traffic.containers.filter(isServing)) {
    for (const d of t.dataPlanes.filter(p => p.drainSeconds !== undefined)) {
      const key = `${d.kind}\n${d.through}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const problem = drainProblem(d, ctx, t);
      if (problem) out.push(problem);
    }
  }
  return out;
}

function drainProblem(d: DataPlane, ctx: WorkloadContext, t: ContainerTraffic): RawFinding | undefined {
  const profile = DATA_PLANES[d.kind];
  const drain = d.drainSeconds!;
  const preStop = t.container.preStop.seconds;
  if (preStop === undefined) {
    return undefined; // GS024: the hook's length is unknown
  }
  // The pod stops accepting at SIGTERM and exits within its drain: the load balancer must be
  // done with it by then (a target that closes a connection the LB still drains answers 5xx).
  const podServes = preStop + ctx.w.drainSeconds;
  const fix = `set the load balancer's drain to ${Math.max(1, ctx.w.drainSeconds)}s (the app's drain; at most preStop + drain = ${podServes}s, `
    + `within the grace period of ${ctx.w.graceSeconds}s) with ${drainSetting(d)}`;
  if (drain > podServes) {
    return {
      pointer: d.drainPointer ?? '/metadata',
      on: d.drainObject,
      message: `${profile.title} drains a removed pod for ${drain}s (${d.drainSource}) but container '${t.container.name}' of ${ctx.w.kind} '${ctx.w.name}' `
        + `stops accepting after its ${preStop}s preStop and exits within its ${ctx.w.drainSeconds}s drain${ctx.w.drainDeclared ? '' : ' (assumed)'}: `
        + 'connections the load balancer still holds are closed under it (5xx)',
      fix,
    };
  }
  if (drain === 0) {
    return {
      pointer: d.drainPointer ?? '/metadata',
      on: d.drainObject,
      message: `${profile.title} does not drain a removed pod (${d.drainSource}): requests in flight when it drops the endpoint are cut at once`,
      fix,
    };
  }
  return undefined;
}

function drainSetting(d: DataPlane): string {
  switch (d.kind) {
    case 'aws-alb': return 'the alb.ingress.kubernetes.io/target-group-attributes annotation (deregistration_delay.timeout_seconds=N)';
    case 'aws-nlb': return 'the service.beta.kubernetes.io/aws-load-balancer-target-group-attributes annotation (deregistration_delay.timeout_seconds=N)';
    case 'gke-neg': return 'a BackendConfig (cloud.google.com/v1) spec.connectionDraining.drainingTimeoutSec attached by the cloud.google.com/backend-config annotation';
    case 'azure-agic': return 'the appgw.ingress.kubernetes.io/connection-draining: "true" and appgw.ingress.kubernetes.io/connection-draining-timeout annotations';
    default: return 'the load balancer\'s drain setting';
  }
}

function meshFindings(ctx: WorkloadContext): RawFinding[] {
  const mesh = ctx.traffic.mesh;
  if (!mesh || mesh.native) {
    return [];
  }
  const serving = ctx.traffic.containers.some(isServing);
  if (!serving && !ctx.w.drainDeclared) {
    return [];
  }
  const apps = ctx.w.containers.filter(c => c.role === 'main' && c.preStop.kind !== 'tcpSocket');
  const need = Math.max(0, ...apps.map(c => (c.preStop.seconds ?? 0) + ctx.w.drainSeconds));
  if (mesh.drainSeconds >= need) {
    return [];
  }
  const proxy = mesh.kind === 'istio' ? 'istio-proxy' : 'linkerd-proxy';
  return [{
    pointer: `${ctx.w.podSpecPointer.replace(/\/spec$/, '')}/metadata/annotations`,
    message: `${proxy} ${mesh.kind === 'istio' ? 'stops forwarding' : 'starts shutting down'} ${mesh.drainSeconds}s after the deletion `
      + `(${mesh.setting}${mesh.drainDeclared ? '' : ', the default'}) while the app needs ${need}s (preStop + drain${ctx.w.drainDeclared ? '' : ', drain assumed'}): `
      + 'inbound requests and the app\'s own outbound calls fail once the proxy is gone',
    fix: mesh.kind === 'istio'
      ? `set proxy.istio.io/config: '{"terminationDrainDuration": "${need}s"}' on the pod template, or run the proxy as a native sidecar (sidecar.istio.io/nativeSidecar: "true")`
      : `set config.alpha.linkerd.io/proxy-wait-before-exit-seconds: "${need}" on the pod template, or run the proxy as a native sidecar (config.beta.linkerd.io/proxy-enable-native-sidecar: "true")`,
  }];
}

export const TRAFFIC_RULES = area('traffic', [
  {
    id: 'GS025',
    severity: Severity.ERROR,
    title: 'preStop shorter than the lag of the load balancer or ingress in front',
    rationale: 'Each data plane takes its own time to stop sending new requests to a deleted pod: about 1 s for kube-proxy, about 4.3 s for ingress-nginx, '
      + 'tens of seconds for AWS and Azure load balancers (docs/traffic-paths.md). A preStop shorter than that lets the pod stop accepting while '
      + 'requests still arrive.',
    fix: 'raise the preStop delay to the path\'s recommended value and the grace period with it (GracefulService `trafficPaths` presets)',
    phase: TimelinePhase.DELETION,
    kinds: LONG_RUNNING_KINDS,
    check: onWorkload(ctx => lagFindings(ctx, true)),
  },
  {
    id: 'GS026',
    severity: Severity.WARNING,
    title: 'preStop may be shorter than the lag of a DNS or unknown data plane',
    rationale: 'Headless Services are found through DNS, cached up to the TTL (30 s in kubeadm\'s CoreDNS configuration) and again by clients; '
      + 'unknown ingress controllers and load balancers may be slower than kube-proxy. The lag depends on settings the manifest does not show.',
    fix: 'raise the preStop delay to cover the DNS TTL (or the data plane\'s known lag), or declare the path with a GracefulService `trafficPaths` preset',
    phase: TimelinePhase.DELETION,
    kinds: LONG_RUNNING_KINDS,
    check: onWorkload(ctx => lagFindings(ctx, false)),
  },
  {
    id: 'GS027',
    severity: Severity.ERROR,
    title: 'Load balancer drain does not fit the pod\'s shutdown',
    rationale: 'A cloud load balancer drains a removed target for a time of its own (AWS deregistration delay, 300 s by default; GKE BackendConfig '
      + 'connection draining, 0 s by default; AGIC connection draining, off by default). Without a drain, requests in flight are cut when it drops '
      + 'the pod; with a drain longer than the pod keeps serving (preStop + drain), the pod closes connections the load balancer still uses. '
      + 'The safe order is LB drain ≤ preStop + drain < grace (docs/traffic-paths.md).',
    fix: 'set the drain to the app\'s drain time, at most preStop + drain (GracefulService `trafficPaths` presets emit it)',
    phase: TimelinePhase.SIGKILL,
    kinds: LONG_RUNNING_KINDS,
    check: onWorkload(drainFindings),
  },
  {
    id: 'GS028',
    severity: Severity.ERROR,
    title: 'Mesh proxy stops before the app has drained',
    rationale: 'An injected proxy that is an ordinary container gets the kill at the same time as the app (spec 1.4, 5.3c): Istio\'s stops forwarding '
      + 'after terminationDrainDuration (5 s by default), Linkerd\'s after proxy-wait-before-exit-seconds (0 by default). The app\'s preStop and drain '
      + 'need the proxy for their whole length; a native sidecar proxy is stopped only after the app (spec 1.9).',
    fix: 'make the proxy outlive the app\'s preStop + drain (Istio terminationDrainDuration, Linkerd proxy-wait-before-exit-seconds), or run it as a native sidecar',
    phase: TimelinePhase.SIGTERM,
    kinds: LONG_RUNNING_KINDS,
    check: onWorkload(meshFindings),
  },
]);
