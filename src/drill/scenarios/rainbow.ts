// A rainbow deployment's release change (docs/rainbow.md): the new release runs next to the
// old one before the Service selects it (STAGED), the Service's selector switches to it, the
// old release keeps its pods, and so its open connections, until they are gone, and is then
// scaled to zero (the KEDA trigger on its open connections, after the ScaledObject's cooldown),
// or at its drain-for bound, whichever comes first. No pod template changes: nothing rolls.

import { DrillRun } from '../run/drill-run';
import { LongLivedConnection } from '../traffic/long-lived';
import { DRILL_DEFAULTS } from '../options/options';
import { RainbowSpec } from '../spec/rainbow-spec';

/** Bound on one scenario without a drain-for, manifest seconds. */
const SCENARIO_LIMIT_SECONDS = 3600;

export interface RainbowOutcome {
  readonly kind: 'rainbow';
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
  /** The old release's last pod was gone. */
  doneAt?: number;
}

/** Replays the switch and the old release's drain; records into `record` as it goes. */
export async function runRainbow(run: DrillRun, rainbow: RainbowSpec, record: (o: RainbowOutcome) => void): Promise<void> {
  const outcome: RainbowOutcome = { kind: 'rainbow', rainbow };
  record(outcome);
  const fromPlane = run.plane;
  const onFrom = (pod: string) => fromPlane.pods.some(p => p.name === pod);
  // Until the switch the Service selects the old release only.
  run.selects = pod => onFrom(pod.name);
  const toPlane = run.addRelease(rainbow.to.spec, rainbow.to.release, { RELEASE: rainbow.to.release });
  run.log(`release ${rainbow.to.release}: ${rainbow.to.spec.replicas} pod(s) staged next to ${rainbow.from.release}`);
  toPlane.deployment.create();
  const toRs = toPlane.deployment.current;
  const startTimeout = run.options.startTimeoutSeconds ?? DRILL_DEFAULTS.startTimeoutSeconds;
  if (!await run.until(() => toPlane.replicaSetController.available(toRs) === rainbow.to.spec.replicas, startTimeout)) {
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
  run.log(`Service selector: ${rainbow.from.release} -> ${rainbow.to.release}`);
  await run.sleep(run.lag.max);
  // The switch's changes were all published at switchAt; the last to arrive completes it.
  const switchUpdates = run.proxy.updates.filter(u => u.publishedAt >= switchAt && u.publishedAt < switchAt + 0.01);
  outcome.switchSeenAt = Math.max(switchAt, ...switchUpdates.map(u => u.at));
  await drainOldRelease(run, outcome, onFrom);
  fromPlane.deployment.scale(0);
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
