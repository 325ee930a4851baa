// A rainbow deployment's release change (docs/rainbow.md): the new release runs next to the
// old one before the Service selects it (STAGED), the Service's selector switches to it, the
// old release keeps its pods, and so its open connections, until they are gone, and is then
// scaled to zero (the KEDA trigger on its open connections, after the ScaledObject's cooldown),
// or at its drain-for bound, whichever comes first. No pod template changes: nothing rolls.

import { DrillScenario, Prepared, Relative, SCENARIO_LIMIT_SECONDS, ScenarioOutcome, ScenarioSection } from './scenario';
import { KubeObject } from '../../manifest/kube-object';
import { DrillOptions } from '../options/options';
import { DrillRun } from '../run/drill-run';
import { LongLivedConnection } from '../traffic/long-lived';
import { RainbowSpec, rainbowSpecOf } from '../workload/rainbow-spec';

export interface RainbowOutcome extends ScenarioOutcome {
  readonly rainbow: RainbowSpec;
  /** The new release's pods all available (staged). */
  toAvailableAt?: number;
  /** The Service's selector switched. */
  switchAt?: number;
  /** The proxy had learned of every endpoint change of the switch. */
  switchSeenAt?: number;
  /** The old release had no open long-lived connection (and the cooldown began). */
  idleAt?: number;
  scaledToZeroAt?: number;
  scaledBecause?: 'idle' | 'drain-for';
}

/** Replays the switch and the old release's drain; records into `record` as it goes. */
async function runRainbow(run: DrillRun, record: (o: RainbowOutcome) => void, rainbow: RainbowSpec): Promise<void> {
  const outcome: RainbowOutcome = { rainbow };
  record(outcome);
  const fromPlane = run.plane;
  const onFrom = (pod: string) => fromPlane.pods.some(p => p.name === pod);
  // Until the switch the Service selects the old release only.
  run.selects = pod => onFrom(pod.name);
  const toPlane = run.addRelease(rainbow.to.spec, rainbow.to.release, { RELEASE: rainbow.to.release });
  run.log(`release ${rainbow.to.release}: ${rainbow.to.spec.replicas} pod(s) staged next to ${rainbow.from.release}`);
  toPlane.workload.create();
  const startTimeout = run.options.startTimeoutSeconds;
  if (!await run.until(() => toPlane.workload.available() === rainbow.to.spec.replicas, startTimeout)) {
    throw new Error(`release ${rainbow.to.release} was not available within ${startTimeout}s (--start-timeout); its pods: `
      + toPlane.pods.map(p => `${p.name} ${p.ready ? 'ready' : 'not ready'}`).join(', '));
  }
  outcome.toAvailableAt = run.clock.now();
  // The switch: the EndpointSlice controller drops the old release's endpoints and adds the
  // new one's; each change reaches the proxy after its own lag (spec 4.4). Established
  // connections stay on their pods (spec 4.3).
  const switchAt = run.clock.now();
  outcome.switchAt = switchAt;
  run.selects = pod => !onFrom(pod.name);
  run.republish();
  // The changes of the switch are those published until here (a busy machine takes a while).
  const republishedAt = run.clock.now();
  run.log(`Service selector: ${rainbow.from.release} -> ${rainbow.to.release}`);
  await run.sleep(run.lag.max);
  // The switch's changes were all published at switchAt; the last to arrive completes it.
  const switchUpdates = run.dataPlane.updates.filter(u => u.publishedAt >= switchAt && u.publishedAt <= republishedAt);
  outcome.switchSeenAt = Math.max(switchAt, ...switchUpdates.map(u => u.at));
  await drainOldRelease(run, outcome, onFrom);
  fromPlane.workload.scale!(0);
  outcome.scaledToZeroAt = run.clock.now();
  run.log(`release ${rainbow.from.release} scaled to zero (${outcome.scaledBecause})`);
  const gone = () => fromPlane.pods.every(p => p.gone);
  if (await run.until(gone, SCENARIO_LIMIT_SECONDS)) {
    outcome.doneAt = run.clock.now();
    run.log(`release ${rainbow.from.release}: last pod gone`);
  }
}

/** Waits until the old release has had no open connection for the cooldown, or its drain-for ends. */
async function drainOldRelease(run: DrillRun, outcome: RainbowOutcome, onFrom: (pod: string) => boolean): Promise<void> {
  const { rainbow, switchAt } = outcome;
  const deadline = switchAt! + (rainbow.drainForSeconds ?? SCENARIO_LIMIT_SECONDS);
  const cooldown = rainbow.cooldownSeconds ?? 0;
  // What the scaler's query counts: the release's open WebSocket and event-stream connections.
  const open = () => run.longLived?.openOn(onFrom) ?? 0;
  for (;;) {
    const left = deadline - run.clock.now();
    if (left <= 0 || !await run.until(() => open() === 0, left)) break;
    outcome.idleAt = run.clock.now();
    const busyAgain = await run.until(() => open() > 0, Math.min(cooldown, deadline - run.clock.now()));
    if (!busyAgain && run.clock.now() < deadline) {
      outcome.scaledBecause = 'idle';
      return;
    }
    if (!busyAgain) break;
  }
  outcome.scaledBecause = 'drain-for';
}

/** Where connections opened after the switch landed. */
export interface SwitchRouting {
  /** Opened after the proxy had learned of the switch. */
  readonly afterSwitch: { readonly total: number; readonly onNew: number; readonly onOld: number };
  /** Opened between the switch and the proxy learning of it (the propagation lag). */
  readonly duringLag: { readonly total: number; readonly onNew: number; readonly onOld: number };
}

/** Connections opened after the switch, by release. Pure. */
export function switchRouting(
  connections: LongLivedConnection[], switchAt: number, switchSeenAt: number, releaseOf: (pod: string) => string | undefined, newRelease: string,
): SwitchRouting {
  const count = (list: LongLivedConnection[]) => {
    const onNew = list.filter(c => c.pod !== undefined && releaseOf(c.pod) === newRelease).length;
    return { total: list.length, onNew, onOld: list.length - onNew };
  };
  const opened = connections.filter(c => c.openedAt !== undefined && c.startedAt >= switchAt);
  return {
    afterSwitch: count(opened.filter(c => c.startedAt > switchSeenAt)),
    duringLag: count(opened.filter(c => c.startedAt <= switchSeenAt)),
  };
}

// The scenario's section of the report: when the switch happened and reached the proxy, where
// connections opened after it landed, when and why the old release was scaled to zero.

export interface RainbowReport extends ScenarioSection {
  /** The release the Service selected before the switch, and its Deployment. */
  readonly from: string;
  readonly fromDeployment: string;
  /** The release it selects after. */
  readonly to: string;
  readonly toDeployment: string;
  readonly drainForSeconds?: number;
  readonly cooldownSeconds?: number;
  /** Seconds from the scenario's start. */
  readonly switchAt?: number;
  /** When the proxy had learned of every endpoint change of the switch. */
  readonly switchSeenAt?: number;
  /** When the old release had no open long-lived connection. */
  readonly idleAt?: number;
  readonly scaledToZeroAt?: number;
  /** `idle`: its connections were gone (and the cooldown passed); `drain-for`: its bound came first. */
  readonly scaledBecause?: 'idle' | 'drain-for';
  readonly lastOldPodGoneAt?: number;
  /** Long-lived connections opened after the switch, by release. */
  readonly routing?: SwitchRouting;
}

function rainbowReport(run: DrillRun, o: RainbowOutcome, rel: Relative): RainbowReport {
  const at = (t: number | undefined) => (t === undefined ? undefined : rel(t));
  const { rainbow } = o;
  return {
    from: rainbow.from.release,
    fromDeployment: rainbow.from.deployment,
    to: rainbow.to.release,
    toDeployment: rainbow.to.deployment,
    drainForSeconds: rainbow.drainForSeconds,
    cooldownSeconds: rainbow.cooldownSeconds,
    switchAt: at(o.switchAt),
    switchSeenAt: at(o.switchSeenAt),
    idleAt: at(o.idleAt),
    scaledToZeroAt: at(o.scaledToZeroAt),
    scaledBecause: o.scaledBecause,
    lastOldPodGoneAt: at(o.doneAt),
    routing: run.longLived && o.switchAt !== undefined && o.switchSeenAt !== undefined
      ? switchRouting(run.longLived.connections, o.switchAt, o.switchSeenAt, pod => run.releaseOf(pod), rainbow.to.release)
      : undefined,
    timedOut: o.doneAt === undefined,
  };
}

const f1 = (s: number | undefined) => (s === undefined ? '-' : s.toFixed(1));

function rainbowLines(rb: RainbowReport): string[] {
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

export const RAINBOW: DrillScenario<RainbowSpec, RainbowOutcome, RainbowReport> = {
  name: 'rainbow',
  summary: 'a RainbowDeployment\'s release change: the Service switches from the draining (or active) release to the active (or staged) one; '
    + 'the old release keeps its connections and is scaled to zero once they are gone or at its drain-for',
  kinds: ['Deployment'],
  flags: [],
  reportKey: 'rainbow',

  /** The run starts from the release the Service selects first; the other joins in `run`. */
  prepare(objects: KubeObject[], o: DrillOptions): Prepared<RainbowSpec> {
    const rainbow = rainbowSpecOf(objects, o.deployment);
    return {
      objects: rainbow.objects,
      options: { ...o, deployment: rainbow.from.deployment, env: { RELEASE: rainbow.from.release, ...o.env } },
      context: rainbow,
      release: rainbow.from.release,
    };
  },

  run: (run, record, rainbow) => runRainbow(run, record, rainbow),
  report: rainbowReport,
  text: rainbowLines,
};
