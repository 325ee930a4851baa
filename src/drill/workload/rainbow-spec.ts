// What the rainbow scenario needs from a manifest: the two releases of a RainbowDeployment whose
// switch it replays (the release the Service selected, and the one it selects next), read from
// the pattern's labels and annotations (src/checks/rules/rainbow.ts), and each release's
// Deployment as the drill reads any Deployment.

import { DrillSpec, drillSpecOf } from './drill-spec';
import {
  DRAIN_FOR_ANNOTATION, RAINBOW_APP_LABEL, RELEASE_LABEL, RELEASE_STATE_LABEL,
} from '../../checks/rules/rainbow';
import { KubeObject } from '../../manifest/kube-object';

/** One release of the switch. */
export interface RainbowRelease {
  readonly deployment: string;
  /** The release label of its pods. */
  readonly release: string;
  readonly spec: DrillSpec;
}

export interface RainbowSpec {
  readonly app: string;
  /** The release the Service selected before the switch: it drains. */
  readonly from: RainbowRelease;
  /** The release the Service selects after the switch. */
  readonly to: RainbowRelease;
  /** The from release's `drain-for-seconds` annotation: it is scaled to zero then at the latest. */
  readonly drainForSeconds?: number;
  /** The cooldownPeriod of the KEDA ScaledObject scaling the from release, if there is one. */
  readonly cooldownSeconds?: number;
  /** The manifest with every release's replicas filled in (`withReleaseReplicas`): what the drill runs. */
  readonly objects: KubeObject[];
}

/**
 * A release whose replicas an autoscaler owns has no spec.replicas: it runs its own
 * HorizontalPodAutoscaler's minReplicas, else the active release's (a draining release was
 * scaled as the active one until the switch). The autoscalers' later decisions are not replayed.
 */
export function withReleaseReplicas(objects: KubeObject[]): KubeObject[] {
  const hpaMin = (name: unknown) => objects.find(o => o?.kind === 'HorizontalPodAutoscaler' && o.spec?.scaleTargetRef?.name === name)?.spec?.minReplicas;
  const active = objects.find(o => o?.kind === 'Deployment' && stateOf(o) === 'active');
  const fallback = active?.spec?.replicas ?? hpaMin(active?.metadata?.name);
  return objects.map(o => {
    if (o?.kind !== 'Deployment' || o.metadata?.labels?.[RAINBOW_APP_LABEL] === undefined || o.spec?.replicas !== undefined) return o;
    const replicas = hpaMin(o.metadata?.name) ?? fallback;
    return replicas === undefined ? o : { ...o, spec: { ...o.spec, replicas } };
  });
}

const stateOf = (d: KubeObject) => String(d.metadata?.labels?.[RELEASE_STATE_LABEL] ?? '');

/**
 * The switch a manifest describes: with a staged release, active → (draining) and staged →
 * active (the state before the commit); else draining ← active (the state after it). With
 * several draining releases, `fromName` picks the Deployment. Throws, naming the fix.
 */
export function rainbowSpecOf(manifest: KubeObject[], fromName?: string): RainbowSpec {
  const objects = withReleaseReplicas(manifest);
  const releases = objects.filter(o => o?.kind === 'Deployment' && o.metadata?.labels?.[RAINBOW_APP_LABEL] !== undefined);
  const named = (state: string) => releases.filter(d => stateOf(d) === state);
  const staged = named('staged');
  const toList = staged.length > 0 ? staged : named('active');
  const fromState = staged.length > 0 ? 'active' : 'draining';
  const fromList = named(fromState).filter(d => !fromName || d.metadata?.name === fromName);
  const names = (list: KubeObject[]) => list.map(d => d.metadata?.name).join(', ') || 'none';
  if (toList.length !== 1 || fromList.length !== 1) {
    throw new Error('the rainbow scenario needs one release to switch to and one to switch from (a RainbowDeployment with a STAGED and an ACTIVE release, '
      + `or an ACTIVE and a DRAINING one); the manifest has ${staged.length > 0 ? 'staged' : 'active'}: ${names(toList)}; ${fromState}: ${names(fromList)}`
      + `${fromList.length > 1 ? '; choose the release to drain with --deployment <name>' : ''}`);
  }
  const [to, from] = [toList[0], fromList[0]];
  const app = String(from.metadata?.labels?.[RAINBOW_APP_LABEL]);
  const release = (d: KubeObject): RainbowRelease => ({
    deployment: String(d.metadata?.name),
    release: String(d.spec?.template?.metadata?.labels?.[RELEASE_LABEL] ?? d.metadata?.name),
    spec: drillSpecOf(objects, { name: String(d.metadata?.name) }),
  });
  const drainFor = Number(from.metadata?.annotations?.[DRAIN_FOR_ANNOTATION]);
  const scaler = objects.find(o => o?.kind === 'ScaledObject' && o.spec?.scaleTargetRef?.name === from.metadata?.name);
  const cooldown = scaler === undefined ? undefined : Number(scaler.spec?.cooldownPeriod ?? 300);
  return {
    app,
    from: release(from),
    to: release(to),
    drainForSeconds: Number.isFinite(drainFor) && drainFor > 0 ? drainFor : undefined,
    cooldownSeconds: cooldown !== undefined && Number.isFinite(cooldown) ? cooldown : undefined,
    objects,
  };
}
