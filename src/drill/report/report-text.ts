// The drill report as text: summary, the scenario's numbers, failures by class and phase, and,
// on request, a timeline per pod.

import { DrillReport, RATE_REACHED_SHARE } from './report';
import { scenarioNamed } from '../scenarios/registry';

/** The scenario's own lines, by the registry. */
function scenarioLines(r: DrillReport): string[] {
  const scenario = scenarioNamed(r.scenario);
  const section = scenario && (r as unknown as Record<string, unknown>)[scenario.reportKey];
  return scenario && section ? scenario.text(section) : [];
}

function rateLines(r: DrillReport): string[] {
  const rate = r.rate;
  if (!rate) return [];
  const line = `rate during the ${r.scenario}: ${rate.offered} requests/s offered (asked ${rate.asked}), ${rate.achieved} achieved, over ${rate.seconds}s; `
    + `requests went out up to ${rate.maxLateMs} ms late`;
  return rate.reached ? [line] : [line, `RATE NOT REACHED: this machine offered ${rate.offered} of the ${rate.asked} requests/s asked `
    + `(below ${Math.round(RATE_REACHED_SHARE * 100)} %); the numbers above are for ${rate.offered}/s; lower --rate, or run on a less busy machine`];
}

function longLivedLines(r: DrillReport): string[] {
  const l = r.longLived;
  if (!l) return [];
  const byRelease = (m: Record<string, number>) => Object.entries(m).map(([k, v]) => `${k} ${v}`).join(', ') || 'none';
  const out = [`long-lived (${l.kind} ${l.path}): ${l.clients} client(s), ${l.opened} connection(s) opened; cut ${l.cut} `
    + `(${l.clientsCut} client(s); before ${l.cutsByPhase.before}, during ${l.cutsByPhase.during}, after ${l.cutsByPhase.after}); `
    + `${l.failedAttempts} failed attempt(s); reconnects ${l.reconnects} (${byRelease(l.reconnectsByRelease)}); `
    + `new chats: ${byRelease(l.newSessionsByRelease)}; open at the end ${l.openAtEnd}`];
  for (const c of l.cuts.slice(0, 5)) {
    out.push(`  cut t=${c.at.toFixed(2)}s ${c.phase.padEnd(6)} pod ${c.pod ?? '?'} (${c.release ?? '?'}) ${c.detail ?? ''}`);
  }
  return out;
}

/** The report as text. */
export function formatDrillReport(r: DrillReport, options: { timeline?: boolean } = {}): string {
  const out: string[] = [];
  const replicas = r.replicasFrom === 'autoscaler' ? ' (the HorizontalPodAutoscaler\'s minReplicas)' : r.replicasFrom === 'nodes' ? ' (one per node)' : '';
  out.push(`drill (${r.scenario}) of ${r.kind} '${r.deployment}': ${r.replicas} replicas${replicas}, ${r.strategy.type} surge ${r.strategy.surge} / unavailable ${r.strategy.unavailable}, `
    + `minReady ${r.strategy.minReadySeconds}s, preStop ${r.preStop}, grace ${r.graceSeconds}s, PodDisruptionBudget ${r.budget ?? 'none'}`);
  out.push(`  app: ${r.entrypoint.serving}; ${r.entrypoint.isolation}; data plane: ${r.dataPlaneText}`);
  out.push(`  lag ${r.lag.min}-${r.lag.max}s, reconcile latency ${r.reconcileLatency.min}-${r.reconcileLatency.max}s, seed ${r.seed} (start phase ${r.wallPhase.toFixed(3)}s), `
    + `time scale ${r.timeScale}; nodes ${r.nodes.map(n => `${n.name}${n.cordoned ? ' (cordoned)' : ''}: ${n.pods}`).join(', ')}`);
  if (r.stopped) {
    out.push(`STOPPED EARLY (${r.stopped}): what was measured until then${r.unfinished ? `; ${r.unfinished} request(s) in flight are counted neither way` : ''}`);
  }
  out.push(`requests: ${r.requests}, failed: ${r.failed}`
    + ` (refused ${r.failuresByClass.refused}, reset ${r.failuresByClass.reset}, timeout ${r.failuresByClass.timeout}, 5xx ${r.failuresByClass['5xx']};`
    + ` before ${r.failuresByPhase.before}, during ${r.scenario} ${r.failuresByPhase.during}, after ${r.failuresByPhase.after};`
    + ` GET ${r.byMethod.GET.failed} of ${r.byMethod.GET.requests}, POST ${r.byMethod.POST.failed} of ${r.byMethod.POST.requests})`
    + `${r.retried > 0 ? `; the proxy retried ${r.retried}` : ''}`);
  out.push(...rateLines(r));
  out.push(...scenarioLines(r));
  out.push(...longLivedLines(r));
  if (r.crash) {
    out.push(`crash: ${r.crash.pod} at ${r.crash.crashedAt.toFixed(2)}s, endpoint left the proxy at ${r.crash.endpointLeftProxyAt?.toFixed(2) ?? '-'}s; `
      + `${r.crash.failuresOnCrashedPod} failure(s) on the crashed pod (${r.crash.routedBeforeEndpointLeft} routed to it before its endpoint left the proxy, `
      + `the rest in flight at the crash), ${r.crash.failuresElsewhere} elsewhere`);
  }
  if (r.failures.length > 0) {
    out.push('first failures:');
    for (const f of r.failures.slice(0, 10)) {
      out.push(`  t=${f.sentAt.toFixed(2)}s  ${f.failureClass.padEnd(7)} ${f.phase.padEnd(6)} ${f.method.padEnd(4)} pod ${f.pod ?? '?'} (proxy: ${f.proxyOutcome ?? '?'}) ${f.detail}`);
    }
  }
  if (options.timeline) {
    for (const p of r.pods) {
      out.push(`pod ${p.name} (revision ${p.revision}, ${p.node ?? 'unscheduled'}): served ${p.requestsServed}, failed ${p.failures}${p.restarts ? `, restarts ${p.restarts}` : ''}`);
      for (const e of p.events) out.push(`  t=${e.at.toFixed(2).padStart(8)}s  ${e.what}`);
    }
  }
  return out.join('\n') + '\n';
}
