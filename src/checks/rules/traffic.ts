// What sits in front of the pods: ingress controllers, cloud load balancers, DNS and service
// meshes, each with its own lag and drain (docs/traffic-paths.md).

import { DATA_PLANES } from '../../manifest/data-planes';
import { ContainerTraffic, DataPlane } from '../../manifest/routing';
import { ContainerView, LONG_RUNNING_KINDS } from '../../manifest/workload';
import { lagShortfallSeconds, lbDrainExcessSeconds } from '../../timing/shutdown-budget';
import { RawFinding, Severity, TimelinePhase, WorkloadContext, area, onWorkload } from '../rule';

/** preStop delays shorter than the lag of a data plane in front, for planes whose lag is (un)certain. */
function lagFindings(ctx: WorkloadContext, certain: boolean): RawFinding[] {
  const out: RawFinding[] = [];
  for (const t of ctx.traffic.serving) {
    const preStop = t.container.preStop;
    if (preStop.seconds === undefined || preStop.seconds === 0 || preStop.kind === 'tcpSocket' || (preStop.stopCommand && !preStop.gracefulStopAfterSleep)) {
      continue; // GS003, GS015, GS023 and GS024 say what is wrong with these hooks
    }
    const short = t.dataPlanes.filter(d => DATA_PLANES[d.kind].lagIsCertain === certain
      && lagShortfallSeconds(preStop.seconds!, DATA_PLANES[d.kind].propagationSeconds) > 0);
    if (short.length === 0) continue;
    const worst = short.reduce((a, b) => (DATA_PLANES[b.kind].propagationSeconds > DATA_PLANES[a.kind].propagationSeconds ? b : a));
    const profile = DATA_PLANES[worst.kind];
    out.push({
      container: t.container.name,
      pointer: `${t.container.pointer}/lifecycle/preStop`,
      message: `preStop waits ${preStop.seconds}s but ${profile.title} in front (${worst.through}) may send new requests for up to ${profile.propagationSeconds}s `
        + `after the deletion (${profile.source}); those arriving after the preStop are refused`,
      fix: `raise the preStop delay to at least ${profile.recommendedPreStopSeconds}s and terminationGracePeriodSeconds to preStop + drain + margin `
        + `(${t.container.drainSeconds + profile.recommendedPreStopSeconds + 5}s); with graceful-k8s: GracefulService \`trafficPaths\``,
    });
  }
  return out;
}

/** A load balancer's drain must last through the path's lag and end before SIGKILL. */
function drainFindings(ctx: WorkloadContext): RawFinding[] {
  const out: RawFinding[] = [];
  const seen = new Set<string>();
  for (const t of ctx.traffic.serving) {
    if (t.container.preStop.stopCommand && !t.container.preStop.gracefulStopAfterSleep) {
      continue; // GS023: the hook stops the server at once, whatever the load balancer does
    }
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
  const drainSeconds = t.container.drainSeconds;
  const podServes = preStop + drainSeconds;
  const fix = `set the load balancer's drain to ${Math.max(1, drainSeconds)}s (the app's drain; at most preStop + drain = ${podServes}s, `
    + `within the grace period of ${ctx.w.graceSeconds}s) with ${drainSetting(d)}`;
  if (lbDrainExcessSeconds(drain, preStop, drainSeconds) > 0) {
    return {
      pointer: d.drainPointer ?? '/metadata',
      on: d.drainObject,
      message: `${profile.title} drains a removed pod for ${drain}s (${d.drainSource}) but container '${t.container.name}' of ${ctx.w.kind} '${ctx.w.name}' `
        + `stops accepting after its ${preStop}s preStop and exits within its ${drainSeconds}s drain${t.container.drainDeclared ? '' : ' (assumed)'}: `
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

/** Images of proxies an app reaches its database through: they must outlive the app. */
const DATABASE_PROXY_IMAGE = /(^|\/)(cloud-sql-proxy|gce-proxy|alloydb-auth-proxy|pgbouncer|proxysql)(:|@|$)/;

/** Seconds the app containers need their proxies for: preStop + drain (judged when either is declared, else GS003 comes first). */
function appNeedSeconds(ctx: WorkloadContext, exclude: ContainerView): number | undefined {
  const apps = ctx.w.containers.filter(c => c !== exclude && c.role === 'main' && c.preStop.kind !== 'tcpSocket'
    && ((c.preStop.seconds ?? 0) > 0 || c.drainDeclared));
  return apps.length === 0 ? undefined : Math.max(...apps.map(c => (c.preStop.seconds ?? 0) + c.drainSeconds));
}

function meshFindings(ctx: WorkloadContext): RawFinding[] {
  const mesh = ctx.traffic.mesh;
  if (!mesh || mesh.native || (ctx.traffic.serving.length === 0 && !ctx.w.drainDeclared)) {
    return [];
  }
  const proxy = ctx.w.containers.find(c => c.role === 'mesh-proxy');
  const need = appNeedSeconds(ctx, proxy!);
  if (need === undefined || mesh.drainSeconds >= need) {
    return [];
  }
  const name = mesh.kind === 'istio' ? 'istio-proxy' : 'linkerd-proxy';
  return [{
    pointer: `${ctx.w.podSpecPointer.replace(/\/spec$/, '')}/metadata/annotations`,
    message: `${name} ${mesh.kind === 'istio' ? 'stops forwarding' : 'starts shutting down'} ${mesh.drainSeconds}s after the deletion `
      + `(${mesh.setting}${mesh.drainDeclared ? '' : ', the default'}) while the app needs ${need}s (preStop + drain${ctx.w.drainDeclared ? '' : ', drain assumed'}): `
      + 'inbound requests and the app\'s own outbound calls fail once the proxy is gone',
    fix: mesh.kind === 'istio'
      ? `set proxy.istio.io/config: '{"terminationDrainDuration": "${need}s"}' on the pod template, or run the proxy as a native sidecar (sidecar.istio.io/nativeSidecar: "true")`
      : `set config.alpha.linkerd.io/proxy-wait-before-exit-seconds: "${need}" on the pod template, or run the proxy as a native sidecar (config.beta.linkerd.io/proxy-enable-native-sidecar: "true")`,
  }];
}

/** A database proxy run as an ordinary container gets SIGTERM with the app, and stops taking new connections then. */
function databaseProxyFindings(ctx: WorkloadContext): RawFinding[] {
  if (ctx.traffic.serving.length === 0) {
    return [];
  }
  return ctx.w.containers.filter(c => c.role === 'main' && DATABASE_PROXY_IMAGE.test(c.image)).flatMap(proxy => {
    const need = appNeedSeconds(ctx, proxy);
    const lasts = proxy.preStop.seconds ?? 0;
    if (need === undefined || lasts >= need) return [];
    return [{
      container: proxy.name,
      pointer: proxy.preStop.kind === 'none' ? proxy.pointer : `${proxy.pointer}/lifecycle/preStop`,
      message: `database proxy (${proxy.image}) is an ordinary container: it gets SIGTERM at the deletion${lasts > 0 ? ` after a ${lasts}s preStop` : ''} `
        + `and stops taking new connections, while the app keeps serving and draining for ${need}s: its requests that need the database fail`,
      fix: `run the proxy as a native sidecar (an init container with restartPolicy: Always, Kubernetes ≥ 1.29), or give it a preStop of at least ${need}s`,
    }];
  });
}

/** AWS pod readiness gate: injected into pods of namespaces labelled for it (docs/traffic-paths.md). */
const AWS_READINESS_GATE_LABEL = 'elbv2.k8s.aws/pod-readiness-gate-inject';
const AWS_READINESS_GATE_PREFIX = 'target-health.elbv2.k8s.aws/';

function awsReadinessGate(ctx: WorkloadContext): RawFinding[] {
  const aws = ctx.traffic.serving.flatMap(t => t.dataPlanes).find(d => d.kind === 'aws-alb' || d.kind === 'aws-nlb');
  if (!aws) return [];
  const gates: any[] = Array.isArray(ctx.w.podSpec.readinessGates) ? ctx.w.podSpec.readinessGates : [];
  if (gates.some(g => String(g?.conditionType ?? '').startsWith(AWS_READINESS_GATE_PREFIX))) return [];
  const namespace = ctx.model.find('Namespace', '', ctx.w.namespace);
  // Without the Namespace in view the label cannot be seen: nothing to say.
  if (!namespace || namespace.metadata?.labels?.[AWS_READINESS_GATE_LABEL] === 'enabled') return [];
  return [{
    pointer: '/metadata/labels',
    on: namespace,
    message: `pods of ${ctx.w.kind} '${ctx.w.name}' are ${DATA_PLANES[aws.kind].title} targets (${aws.through}) but the namespace lacks the label `
      + `${AWS_READINESS_GATE_LABEL}: enabled, so they get no load-balancer readiness gate: a rollout moves on as soon as a new pod is Ready in `
      + 'Kubernetes, before the load balancer has registered it as healthy',
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
    title: 'Proxy sidecar stops before the app has drained',
    rationale: 'A proxy that is an ordinary container gets the kill at the same time as the app (spec 1.4, 5.3c): Istio\'s stops forwarding after '
      + 'terminationDrainDuration (5 s by default), Linkerd\'s after proxy-wait-before-exit-seconds (0 by default), a database proxy (Cloud SQL, '
      + 'AlloyDB, PgBouncer) stops taking new connections at SIGTERM. The app\'s preStop and drain need the proxy for their whole length; a native '
      + 'sidecar is stopped only after the app (spec 1.9).',
    fix: 'make the proxy outlive the app\'s preStop + drain (Istio terminationDrainDuration, Linkerd proxy-wait-before-exit-seconds, a preStop on '
      + 'the proxy), or run it as a native sidecar',
    phase: TimelinePhase.SIGTERM,
    kinds: LONG_RUNNING_KINDS,
    check: onWorkload(ctx => [...meshFindings(ctx), ...databaseProxyFindings(ctx)]),
  },
  {
    id: 'GS031',
    severity: Severity.WARNING,
    title: 'AWS load balancer targets without the pod readiness gate',
    rationale: 'With IP targets, the AWS Load Balancer Controller injects a readiness gate (target-health.elbv2.k8s.aws/…) into pods of namespaces '
      + 'labelled elbv2.k8s.aws/pod-readiness-gate-inject: enabled, at pod creation. Without it a rolling update replaces the next pods as soon as '
      + 'new ones are Ready in Kubernetes, while the load balancer still sees them as initial or unhealthy: the target group can run out of '
      + 'healthy targets. Judged when the Namespace object is in view.',
    fix: 'label the namespace elbv2.k8s.aws/pod-readiness-gate-inject=enabled (before the pods are created), and create the Service/Ingress first',
    phase: TimelinePhase.ROLLOUT,
    kinds: LONG_RUNNING_KINDS,
    check: onWorkload(awsReadinessGate),
  },
]);
