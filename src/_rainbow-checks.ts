// Checks of a RainbowDeployment's props, known before anything is built, and its warnings.

import { DNS_1035_LABEL, MAX_RAINBOW_NAME_LENGTH, releaseId } from './_rainbow-names';
import { RAINBOW_APP_LABEL, RELEASE_LABEL } from './checks/rules/rainbow';
import { RainbowRelease, ReleaseState } from './rainbow-release';
import { describeDuration, isFiniteDurationOf } from './timing/duration';

/**
 * What the checks read of a RainbowDeployment's props: its own interface, which the props satisfy,
 * so that the checks need nothing from the construct that runs them.
 */
export interface RainbowPropsChecked {
  readonly containers?: readonly unknown[];
  readonly select?: unknown;
  readonly releases: readonly RainbowRelease[];
  readonly container?: unknown;
  readonly autoscaling?: unknown;
  readonly scaleToZero?: unknown;
  readonly replicas?: number;
  readonly maxLiveReleases?: number;
  readonly drainFor?: unknown;
}

/** Problems known from the props alone, all at once. */
export function rainbowProblems(name: string, props: RainbowPropsChecked): string[] {
  const problems: string[] = [];
  if (!DNS_1035_LABEL.test(name) || name.length > MAX_RAINBOW_NAME_LENGTH) {
    problems.push(`'metadata.name' (${name}) must be a DNS-1035 label (lowercase letters, digits and '-', starting with a letter) of at most `
      + `${MAX_RAINBOW_NAME_LENGTH} characters: it names the Service, and each release is '<name>-<version>' within 63 characters; shorten it`);
  }
  if (props.containers !== undefined) {
    problems.push(`'containers' (${props.containers.length}) must not be set on a RainbowDeployment: each release has its own; set 'container' (everything `
      + 'but the image) and use RainbowRelease.fromImage(), or RainbowRelease.of({ containers })');
  }
  if (props.select !== undefined) {
    problems.push(`'select' (${props.select}) must not be set: each release selects its own pods by ${RAINBOW_APP_LABEL} and ${RELEASE_LABEL}`);
  }
  const releases: readonly RainbowRelease[] = Array.isArray(props.releases) ? props.releases : [];
  if (releases.length === 0) {
    problems.push('\'releases\' must list at least one release, e.g. [RainbowRelease.fromImage(\'ghcr.io/acme/chat:1.4.2\', ReleaseState.ACTIVE)]');
    return problems;
  }
  const active = releases.filter(r => r.state === ReleaseState.ACTIVE);
  if (active.length !== 1) {
    problems.push(`'releases' (${active.length === 0 ? 'no active release' : `${active.length} active: ${active.map(r => r.version).join(', ')}`}) must have exactly `
      + 'one ReleaseState.ACTIVE release, the one the Service selects; '
      + (active.length === 0 ? 'set the release that should take new connections to ACTIVE' : 'set the others to DRAINING (or STAGED)'));
  }
  const seen = new Map<string, RainbowRelease>();
  for (const r of releases) {
    if (seen.has(r.version)) {
      problems.push(`'releases' (version '${r.version}' twice) must give each release its own version: a release's pods never change, so a new build or `
        + 'configuration is a new version');
      continue;
    }
    seen.set(r.version, r);
  }
  const byId = new Map<string, string>();
  for (const version of seen.keys()) {
    const rid = releaseId(name, version);
    const other = byId.get(rid);
    if (other !== undefined) {
      problems.push(`'releases' (versions '${other}' and '${version}' both name the Deployment '${name}-${rid}') must name each release differently; `
        + 'change one of the versions');
    }
    byId.set(rid, version);
  }
  for (const r of releases) {
    problems.push(...releaseProblems(r, props));
  }
  if (props.scaleToZero && !props.autoscaling) {
    problems.push(`'scaleToZero' needs 'autoscaling' for the serving releases (got 'replicas' ${props.replicas ?? '2 (the default)'}): a release's spec.replicas `
      + 'must stay out of the manifest for its whole life, because removing it when the release starts draining resets the live count to 1 (kubectl '
      + `apply) and cuts the connections of every other pod; set autoscaling: { minReplicas: ${props.replicas ?? 2}, maxReplicas: ${props.replicas ?? 2} } `
      + 'for a fixed count');
  }
  const max = props.maxLiveReleases;
  if (max !== undefined && (!Number.isInteger(max) || max < 1)) {
    problems.push(`'maxLiveReleases' (${max}) must be a whole number of at least 1`);
  }
  if (props.drainFor !== undefined && !isFiniteDurationOf(props.drainFor, 0, false)) {
    problems.push(`'drainFor' (${describeDuration(props.drainFor)}) must be a positive, finite Duration, e.g. Duration.hours(2)`);
  }
  return problems;
}

/** Problems of one release within the rainbow. */
function releaseProblems(r: RainbowRelease, props: RainbowPropsChecked): string[] {
  const problems: string[] = [];
  const where = `release '${r.version}'`;
  if (r.image !== undefined && !props.container && r.state !== ReleaseState.RETIRED) {
    problems.push(`${where} (RainbowRelease.fromImage) needs 'container' on the RainbowDeployment: the port, probes and resources every release's `
      + 'container shares around its image; or give the release its containers with RainbowRelease.of()');
  }
  if (r.replicas !== undefined && r.state !== ReleaseState.DRAINING && r.state !== ReleaseState.RETIRED) {
    problems.push(`${where} 'replicas' (${r.replicas}) applies only while the release drains (it is ${r.state}); set the RainbowDeployment's 'replicas' `
      + 'or \'autoscaling\' for serving releases');
  }
  if (r.replicas !== undefined && r.state === ReleaseState.DRAINING && props.scaleToZero) {
    problems.push(`${where} 'replicas' (${r.replicas}) conflicts with 'scaleToZero': KEDA owns a draining release's replica count; remove 'replicas'`);
  }
  if (r.drainingSince !== undefined && r.state !== ReleaseState.DRAINING && r.state !== ReleaseState.RETIRED) {
    problems.push(`${where} 'drainingSince' (${r.drainingSince}) applies only to a draining release (it is ${r.state}); remove it`);
  }
  return problems;
}

