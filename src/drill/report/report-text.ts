// The drill report as text: summary, the scenario's numbers, failures by class and phase, and,
// on request, a timeline per pod.

import { DrillReport } from './report';

const f1 = (s: number | undefined) => (s === undefined ? '-' : s.toFixed(1));

function scenarioLines(r: DrillReport): string[] {
  const out: string[] = [];
  if (r.rollout) {
    const ro = r.rollout;
    out.push(`rollout: complete after ${f1(ro.completeAfterSeconds)}s, last old pod gone after ${f1(ro.lastOldPodGoneAfterSeconds)}s`
      + `${ro.timedOut ? ' (DID NOT FINISH)' : ''}; peak pods ${ro.peakPods} (of which terminating ${ro.peakTerminating})`);
    out.push(`  waves (old pods deleted): ${ro.waves.map(w => `${w.pods} at ${w.at.toFixed(2)}s`).join(', ') || 'none'}`);
  }
  if (r.drain) {
    const d = r.drain;
    out.push(`drain of ${d.nodes.join(', ')}: ${d.podsEvicted} pod(s) evicted, ${d.evictionsRefused} eviction(s) refused by the PodDisruptionBudget (429, retried every 5s)`
      + `${d.evictionErrors ? `, ${d.evictionErrors} error(s) (500)` : ''}; drain took ${f1(d.drainSeconds)}s${d.timedOut ? ' (DID NOT FINISH)' : ''}; `
      + `peak pods ${r.peakPods} (of which terminating ${r.peakTerminating})`);
  }
  if (r.scaleDown) {
    const s = r.scaleDown;
    out.push(`scale-down ${s.from} -> ${s.to}: removed ${s.victims.join(', ') || 'none'}; last one gone after ${f1(s.doneAfterSeconds)}s${s.timedOut ? ' (DID NOT FINISH)' : ''}`);
  }
  if (r.rainbow) out.push(...rainbowLines(r));
  return out;
}

function rainbowLines(r: DrillReport): string[] {
  const rb = r.rainbow!;
  const out = [`rainbow: Service switched ${rb.from} -> ${rb.to} at ${f1(rb.switchAt)}s, the proxy had it all at ${f1(rb.switchSeenAt)}s; `
    + `${rb.from} idle at ${f1(rb.idleAt)}s, scaled to zero at ${f1(rb.scaledToZeroAt)}s (${rb.scaledBecause ?? '-'}; cooldown ${rb.cooldownSeconds ?? 0}s, `
    + `drain-for ${rb.drainForSeconds ?? '-'}s), last pod gone at ${f1(rb.lastOldPodGoneAt)}s${rb.timedOut ? ' (DID NOT FINISH)' : ''}`];
  if (rb.routing) {
    const { afterSwitch: a, duringLag: d } = rb.routing;
    out.push(`  connections opened after the proxy learned of the switch: ${a.total}, on ${rb.to} ${a.onNew}, on ${rb.from} ${a.onOld}; `
      + `during the lag: ${d.total} (on ${rb.to} ${d.onNew}, on ${rb.from} ${d.onOld})`);
  }
  return out;
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
  out.push(`drill (${r.scenario}) of Deployment '${r.deployment}': ${r.replicas} replicas, ${r.strategy.type} surge ${r.strategy.surge} / unavailable ${r.strategy.unavailable}, `
    + `minReady ${r.strategy.minReadySeconds}s, preStop ${r.preStop}, grace ${r.graceSeconds}s, PodDisruptionBudget ${r.budget ?? 'none'}`);
  out.push(`  lag ${r.lag.min}-${r.lag.max}s, reconcile latency ${r.reconcileLatency.min}-${r.reconcileLatency.max}s, seed ${r.seed} (start phase ${r.wallPhase.toFixed(3)}s), `
    + `time scale ${r.timeScale}; nodes ${r.nodes.map(n => `${n.name}${n.cordoned ? ' (cordoned)' : ''}: ${n.pods}`).join(', ')}`);
  if (r.stopped) {
    out.push(`STOPPED EARLY (${r.stopped}): what was measured until then${r.unfinished ? `; ${r.unfinished} request(s) in flight are counted neither way` : ''}`);
  }
  out.push(`requests: ${r.requests}, failed: ${r.failed}`
    + ` (refused ${r.failuresByClass.refused}, reset ${r.failuresByClass.reset}, timeout ${r.failuresByClass.timeout}, 5xx ${r.failuresByClass['5xx']};`
    + ` before ${r.failuresByPhase.before}, during ${r.scenario} ${r.failuresByPhase.during}, after ${r.failuresByPhase.after})`);
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
      out.push(`  t=${f.sentAt.toFixed(2)}s  ${f.failureClass.padEnd(7)} ${f.phase.padEnd(6)} pod ${f.pod ?? '?'} (proxy: ${f.proxyOutcome ?? '?'}) ${f.detail}`);
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
