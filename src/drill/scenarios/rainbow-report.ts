// The rainbow scenario's section of the report: when the switch happened and reached the proxy,
// where connections opened after it landed, when and why the old release was scaled to zero.

import { DrillRun } from '../run/drill-run';
import { RainbowOutcome, SwitchRouting, switchRouting } from './rainbow';

export interface RainbowReport {
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
  readonly timedOut: boolean;
}

export function rainbowReport(run: DrillRun, o: RainbowOutcome, rel: (t: number) => number): RainbowReport {
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
