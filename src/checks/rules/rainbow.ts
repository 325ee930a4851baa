// Rainbow deployments: one Deployment per release, a Service that selects the active release
// only, and draining releases that keep their open connections until they are idle
// (docs/rainbow.md). The labels and annotations below are the pattern's contract: the
// RainbowDeployment construct writes them, these rules and the drill read them from any YAML.

import type * as Crypto from 'crypto';
import { KubeObject, describeObject } from '../../manifest/kube-object';
import { REPLICATED_KINDS, WorkloadView } from '../../manifest/workload';
import { RawFinding, RuleContext, Severity, TimelinePhase, WorkloadContext, area, onWorkload } from '../rule';

/** Pod label: the application every release belongs to (stable across releases). */
export const RAINBOW_APP_LABEL = 'graceful-k8s.io/app';
/** Pod label: the release the pod belongs to (the suffix of the release's Deployment name). */
export const RELEASE_LABEL = 'graceful-k8s.io/release';
/**
 * Label on a release's Deployment (and its PDB, HPA, ScaledObject), never on its pods:
 * `staged`, `active` or `draining`. Pod labels stay fixed, so a change of state never rolls pods.
 */
export const RELEASE_STATE_LABEL = 'graceful-k8s.io/release-state';
/** Annotation on a release's Deployment: the version as the user wrote it (tag, digest, hash). */
export const RELEASE_VERSION_ANNOTATION = 'graceful-k8s.io/release-version';
/** Annotation on a release's Deployment: hash of its pod template as rendered (`templateHashOf`). */
export const TEMPLATE_HASH_ANNOTATION = 'graceful-k8s.io/template-hash';
/** Annotation on a draining release's Deployment: how long it may drain before it is retired. */
export const DRAIN_FOR_ANNOTATION = 'graceful-k8s.io/drain-for-seconds';
/** Annotation on a draining release's Deployment: when it started draining (ISO 8601). */
export const DRAINING_SINCE_ANNOTATION = 'graceful-k8s.io/draining-since';
/** Annotation on a draining release's Deployment: draining-since + drain-for (ISO 8601). */
export const RETIRE_AFTER_ANNOTATION = 'graceful-k8s.io/retire-after';

/** States a live release can be in (a retired release is not in the manifest). */
export const LIVE_RELEASE_STATES = ['staged', 'active', 'draining'];

/** A workload that is a release of a rainbow deployment, as read from its labels. */
export interface ReleaseView {
  readonly w: WorkloadView;
  /** The app label, '' when absent. */
  readonly app: string;
  /** The release label. */
  readonly release: string;
  /** The state label of the workload object, when set. */
  readonly state?: string;
}

/** The release a workload is, when its pod template carries the release label. */
export function releaseOf(w: WorkloadView): ReleaseView | undefined {
  const release = w.templateLabels[RELEASE_LABEL];
  if (typeof release !== 'string' || release === '') {
    return undefined;
  }
  const state = w.object.metadata?.labels?.[RELEASE_STATE_LABEL];
  return { w, app: String(w.templateLabels[RAINBOW_APP_LABEL] ?? ''), release, state: typeof state === 'string' ? state : undefined };
}

/** JSON with object keys sorted at every level, so equal templates hash equally whatever their key order. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) {
    return `[${value.map(canonicalJson).join(',')}]`;
  }
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * The hash of a pod template (`spec.template`): the first 12 hex digits of the SHA-256 of its
 * canonical JSON. Any change to it (image, env, probes, labels) makes the Deployment controller
 * replace every pod, which for a release means cutting its open connections.
 */
export function templateHashOf(template: unknown): string {
  // Loaded when first needed: at the top, every run of graceful-check paid 7 ms to load it, for
  // the few inputs that hold a rainbow release.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { createHash } = require('crypto') as typeof Crypto;
  return createHash('sha256').update(canonicalJson(template ?? null)).digest('hex').slice(0, 12);
}

function describeRelease(r: ReleaseView): string {
  return `${r.w.kind} '${r.w.name}' (release ${r.release}${r.state ? `, ${r.state}` : ''})`;
}

/** GS033: one Service, pods of several releases of one app. */
function serviceSpansReleases({ object, model }: RuleContext): RawFinding[] {
  const byApp = new Map<string, ReleaseView[]>();
  for (const r of model.workloadsSelectedBy(object).map(releaseOf)) {
    if (r) byApp.set(r.app, [...(byApp.get(r.app) ?? []), r]);
  }
  const out: RawFinding[] = [];
  for (const [app, releases] of byApp) {
    const distinct = [...new Set(releases.map(r => r.release))];
    if (distinct.length < 2) continue;
    const active = releases.find(r => r.state === 'active');
    out.push({
      pointer: '/spec/selector',
      message: `selects the pods of ${distinct.length} releases${app ? ` of '${app}'` : ''}: ${releases.map(describeRelease).join(', ')}; new connections are spread `
        + 'over all of them, so the old release never drains and the new one takes only part of the traffic',
      fix: `add ${RELEASE_LABEL}: "${active?.release ?? '<the active release>'}" to the Service's selector so it selects the active release only `
        + '(RainbowDeployment does this)',
    });
  }
  return out;
}

/** GS034: a Service still sends new connections to a draining release. */
function serviceSelectsDraining({ object, model }: RuleContext): RawFinding[] {
  return model.workloadsSelectedBy(object).map(releaseOf).filter((r): r is ReleaseView => r?.state === 'draining').map(r => ({
    pointer: '/spec/selector',
    message: `selects ${describeRelease(r)}, which is draining (${RELEASE_STATE_LABEL}: draining): it keeps getting new connections, so it never becomes idle, `
      + 'and whatever retires it (KEDA\'s scale to zero, a manual scale-down, a prune) cuts them',
  }));
}

/** The HPA scaling rules KEDA gives the HPA it creates for a ScaledObject. */
function kedaHpaBehavior(scaledObject: KubeObject): any {
  return scaledObject.spec?.advanced?.horizontalPodAutoscalerConfig?.behavior;
}

/** GS035: an autoscaler that can remove pods of a draining release while they hold connections. */
function drainingScaledDown(ctx: WorkloadContext): RawFinding[] {
  const r = releaseOf(ctx.w);
  if (r?.state !== 'draining') {
    return [];
  }
  const out: RawFinding[] = [];
  for (const s of ctx.rel.scalers) {
    if (s.kind === 'HorizontalPodAutoscaler') {
      out.push({
        on: s.object,
        pointer: '/spec',
        message: `scales ${describeRelease(r)}, a draining release: as its metric falls it removes pods, and the ReplicaSet picks which without regard `
          + 'to their open connections (spec 3.3, victim order), so connections the release still holds are cut',
      });
    } else if (s.kind === 'ScaledObject' && kedaHpaBehavior(s.object)?.scaleDown?.selectPolicy !== 'Disabled') {
      out.push({
        on: s.object,
        pointer: '/spec/advanced',
        message: `lets the HPA that KEDA creates scale ${describeRelease(r)}, a draining release, down between ${s.maxReplicas} and 1 pods while some still hold `
          + 'connections (the ReplicaSet picks the pods to remove without regard to them, spec 3.3); only the scale to zero, once the trigger reports idle, '
          + 'is safe',
      });
    }
  }
  return out;
}

/** GS036: a release whose pod template differs from the one it was rendered with. */
function templateChanged({ w }: WorkloadContext): RawFinding[] {
  const recorded = w.object.metadata?.annotations?.[TEMPLATE_HASH_ANNOTATION];
  if (!releaseOf(w) || typeof recorded !== 'string' || w.kind !== 'Deployment') {
    return [];
  }
  const actual = templateHashOf(w.object.spec?.template);
  return actual === recorded ? [] : [{
    pointer: '/spec/template',
    message: `the pod template hashes to ${actual} but ${TEMPLATE_HASH_ANNOTATION} records ${recorded}, the template this release was rendered with: `
      + `something changed ${describeObject(w.object)} after it was rendered, and applying it replaces every pod of the release, cutting its connections`,
  }];
}

export const RAINBOW_RULES = area('rainbow', [
  {
    id: 'GS033',
    severity: Severity.ERROR,
    title: 'Service selects the pods of several releases',
    rationale: 'In a rainbow deployment each release is a Deployment of its own and the Service selects the active release only. A selector that '
      + `matches the pods of two releases (e.g. only ${RAINBOW_APP_LABEL}) sends new connections to both: the old release never drains, and the new `
      + 'one takes only part of the traffic.',
    fix: `select the active release only: add ${RELEASE_LABEL}: <version> to the Service's selector`,
    phase: TimelinePhase.ROUTING,
    kinds: ['Service'],
    check: serviceSpansReleases,
  },
  {
    id: 'GS034',
    severity: Severity.ERROR,
    title: 'Draining release still selected by a Service',
    rationale: 'A draining release keeps the connections it holds (kube-proxy leaves established TCP connections on their pod, spec 4.3) and must get '
      + 'no new ones, or it never becomes idle; whatever retires it then (KEDA\'s scale to zero, a manual scale-down, a prune) cuts live connections.',
    fix: `select the active release only (${RELEASE_LABEL}: <active version>), or set this release back to active if it must serve`,
    phase: TimelinePhase.ROUTING,
    kinds: ['Service'],
    check: serviceSelectsDraining,
  },
  {
    id: 'GS035',
    severity: Severity.ERROR,
    title: 'Autoscaler may scale a draining release down while it holds connections',
    rationale: 'A draining release holds long-lived connections (WebSockets, streams, jobs) that end at their own pace. An HPA, or the HPA KEDA '
      + 'creates, removes pods as the metric falls, and the ReplicaSet chooses them without regard to their connections (spec 3.3): connections are cut. '
      + 'Only a scale to zero once the release is idle is safe.',
    fix: 'remove the HPA from draining releases; scale them with a KEDA ScaledObject (minReplicaCount 0, a trigger on the release\'s open connections) '
      + 'whose advanced.horizontalPodAutoscalerConfig.behavior.scaleDown.selectPolicy is Disabled (RainbowScaleToZero does this)',
    phase: TimelinePhase.SCALING,
    kinds: REPLICATED_KINDS,
    check: onWorkload(drainingScaledDown),
  },
  {
    id: 'GS036',
    severity: Severity.ERROR,
    title: 'Release pod template changed after it was rendered',
    rationale: 'A release\'s pods must live until the release is idle; changing its pod template makes the Deployment controller replace every pod '
      + `(a rolling update), cutting the connections the release holds. RainbowDeployment records the template's hash in ${TEMPLATE_HASH_ANNOTATION}; `
      + 'a template that no longer matches it was changed afterwards (an image automation bot, a kustomize patch, a hand edit).',
    fix: 'leave the release as rendered and make the change a new release (a new version); keep image automation and patches off release Deployments',
    phase: TimelinePhase.ROLLOUT,
    kinds: ['Deployment'],
    check: onWorkload(templateChanged),
  },
]);
