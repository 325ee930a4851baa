// What every graceful workload construct (Deployment, StatefulSet, DaemonSet) shares: the
// shutdown budget of its pod (every container, native sidecars after the app), the traffic paths
// in front, the rendering of the graceful settings into the pod template, and the synth-time
// checks. cdk8s-plus's containers have no preStop `sleep` handler and no `lifecycle.stopSignal`
// (and cdk8s-plus-27's Kubernetes 1.27 types drop them, and `restartPolicy` on init containers,
// even after JSON patches): the rendered JSON is the one place where every container is visible,
// including those added after construction, so the settings are applied there. Native sidecars
// are cdk8s-plus init containers where the major has `restartPolicy` (cdk8s-plus-30 and later,
// see _kplus.ts); with cdk8s-plus-27 they are written into the rendered pod.

import { ApiObject, ApiObjectMetadataDefinition, Duration, Lazy } from 'cdk8s';
import { IConstruct } from 'constructs';
import * as kplus from './_kplus';
import { NATIVE_SIDECAR_RESTART_POLICY, nativeSidecarProps } from './_kplus';
import { AUTOSCALER_GRACE_SECONDS, DEFAULT_SIDECAR_DRAIN_SECONDS, PodSettings, SidecarSettings, SpreadSettings, graceOverAutoscalerWarning, renderedNameProblems } from './_props';
import { SynthInputs, readsDisruptionBudgets, synthCheckOptions } from './_synth-rules';
import { CheckOptions, checkManifests, formatFinding } from './checks/engine';
import { Finding, Severity } from './checks/rule';
import { recordWarning, reportWarnings } from './checks/warnings';
import { ContainerShutdownBudget } from './graceful-options';
import { CONTAINER_DRAIN_ANNOTATION, CONTAINER_PRE_STOP_ANNOTATION, DRAIN_ANNOTATION, PRE_STOP_ANNOTATION } from './manifest/kube-object';
import { preStopOf } from './manifest/pre-stop-hook';
import { probeWindowSeconds, resolveProbe } from './manifest/probe';
import { ContainerShutdownNeed, podShutdownTimes } from './timing/pod-shutdown';
import { DEFAULT_PRE_STOP_SECONDS, ShutdownBudget, ceilSeconds, killTimeline, resolveShutdownBudget } from './timing/shutdown-budget';
import { TrafficPath } from './traffic-path';

/** One container's shutdown, from its rendered JSON and the options. */
interface ContainerPlan extends ContainerShutdownNeed {
  readonly sidecar: boolean;
  /** The lifecycle.preStop to set; undefined keeps the container's own hook (or none). */
  readonly hook?: any;
  /** Whether the container has a preStop hook (rendered or its own). */
  readonly hasHook: boolean;
  /** Whether the delay came from the container's own hook, read from it. */
  readonly ownDelay: boolean;
  /** Whether it declares a port: the traffic paths' lags apply to it. */
  readonly serves: boolean;
  /** Whether its delay is the pod's (`shutdown.preStopDelay`, or the one derived from the traffic paths). */
  readonly podDelay: boolean;
  readonly stopSignal?: string;
}

/** A native sidecar of the rendered pod and its options (a sidecar not from `sidecars` gets the defaults). */
interface SidecarRef {
  readonly settings: SidecarSettings;
  /** How messages name its shutdown options, e.g. `sidecars[0].shutdown`. */
  readonly prop: string;
}

/** The pod's shutdown: the budget, each container's plan, and what is wrong. */
interface PodPlan {
  readonly budget: ShutdownBudget;
  readonly containers: ContainerShutdownBudget[];
  readonly plans: ContainerPlan[];
  readonly sidecars: any[];
  readonly problems: string[];
}

/** What a rule finding means in the construct's own options: the way out, named as the user writes it. */
const OPTION_HINTS: Record<string, string> = {
  GS005: '\'terminationGracePeriod\', \'shutdown.drainTimeout\' or \'containerShutdown\'',
  GS007: '\'strategy\', or accept it with \'allowCapacityDrop: "<reason>"\'',
  GS008: '\'strategy\', or accept it with \'allowCapacityDrop: "<reason>"\'',
  GS009: '\'replicas\' or \'autoscaling.minReplicas\'',
  GS012: '\'disruptionBudget\'',
  GS013: '\'disruptionBudget\' or \'autoscaling.minReplicas\'',
  GS014: '\'spreadAcrossNodes\' and \'topologySpread\'',
  GS017: '\'progressDeadline\' (progressDeadlineSeconds), \'minReady\' (minReadySeconds) or \'startupTimeout\'',
  GS029: '\'strategy\'',
  GS037: '\'terminationGracePeriod\' or the sidecar\'s \'shutdown.drainTimeout\'',
  GS038: '\'containerPreStop: { <container>: PreStop.sleepThen([...]) }\' or \'containerShutdown.<container>.stopSignal\'',
  GS039: '\'containerPreStop: { <container>: PreStop.sleepThen([...]) }\' or \'containerShutdown.<container>.stopSignal\'',
};

/** A rule finding as a construct error: the rule's message, then the option that fixes it. */
export function constructErrorMessage(f: Finding): string {
  const hint = OPTION_HINTS[f.ruleId];
  return hint ? `${formatFinding(f)} (option: ${hint})` : formatFinding(f);
}

/**
 * The graceful settings of one workload's pod. Attached to the workload's ApiObject: its
 * rendering goes through `render`.
 */
export class GracefulPod {
  /** The native sidecars, as cdk8s-plus containers (mount volumes, add env on them). */
  public readonly sidecars: kplus.Container[];
  private readonly paths: TrafficPath[];
  private readonly frontends: ApiObject[] = [];
  private readonly rawRender: () => any;
  private readonly resource: ApiObject;
  /**
   * The JSON rendered for validation, reused by the synth that follows in the same synchronous
   * call (cdk8s validates, then renders): rendering is most of synth's cost. Cleared at the
   * next microtask, so a later change is always rendered afresh.
   */
  private renderedForSynth?: any;
  /** The plan of the last render, read by `validate` right after it renders. */
  private lastPlan?: PodPlan;

  /**
   * @param renderKind what the workload's kind adds to its rendered JSON (a DaemonSet's
   * updateStrategy, a StatefulSet's volume claims), after the pod settings; true when it added
   * keys to `spec`
   * @param given which of the workload's inputs the user gave: the rules they can break run at synth
   */
  constructor(
    private readonly workload: kplus.AbstractPod,
    private readonly settings: PodSettings,
    private readonly spread?: SpreadSettings,
    private readonly renderKind: (json: any) => boolean = () => false,
    private readonly given: Omit<SynthInputs, 'frontends'> = { strategy: true, replicas: true, disruptionBudget: true, spread: true },
  ) {
    this.paths = [...settings.trafficPaths];
    // Native: the workload took them as its first init containers (initContainersWithSidecars).
    this.sidecars = NATIVE_SIDECAR_RESTART_POLICY !== undefined
      ? settings.sidecars.map(s => workload.initContainers.find(c => c.name === s.props.name)!).filter(c => c)
      : settings.sidecars.map(s => new kplus.Container(containerPropsOf(s)));
    const resource = ApiObject.of(workload);
    this.resource = resource;
    this.rawRender = resource.toJson.bind(resource);
    resource.toJson = () => this.renderedForSynth ?? this.render(this.rawRender());
  }

  public addTrafficPath(path: TrafficPath): void {
    this.paths.push(path);
  }

  public addFrontend(frontend: ApiObject): void {
    this.frontends.push(frontend);
  }

  public get trafficPaths(): TrafficPath[] {
    return [...this.paths];
  }

  public get hasExplicitPreStop(): boolean {
    return this.settings.preStopSeconds !== undefined;
  }

  /** The app containers' preStop when no option sets it: 15 s, or the slowest traffic path's. */
  public defaultPreStopSeconds(): number {
    return this.settings.preStopSeconds ?? Math.max(DEFAULT_PRE_STOP_SECONDS, ...this.paths.map(p => ceilSeconds(p.recommendedPreStop)));
  }

  /** The options of the rule pack at synth: the rules the workload's given inputs can break (_synth-rules.ts). */
  public synthCheckOptions(): CheckOptions {
    return synthCheckOptions({ ...this.given, frontends: this.frontends.length > 0 || this.paths.length > 0 });
  }

  /** The budget, from the workload as it stands. */
  public plan(): PodPlan {
    return this.planFor(this.workload.containers.length > 0 ? this.rawRender()?.spec?.template?.spec : undefined);
  }

  /** The workload as JSON from the current state, never from the synth cache. */
  public renderFresh(): any {
    this.renderedForSynth = undefined;
    this.lastPlan = undefined;
    return this.resource.toJson();
  }

  /**
   * Synth-time checks: the budget and references, the names, then the GS rule pack on the pod
   * and every object in front of it. Errors list every problem; warnings go to the construct.
   */
  public validate(construct: IConstruct, companions: () => any[], extraChecks: (json: any, frontends: any[]) => string[] = () => []): string[] {
    if (this.workload.containers.length === 0) {
      return [`${this.settings.owner.split(' ')[0]} has no containers; add one with \`containers: [{ image: ... }]\` or \`addContainer()\``];
    }
    const json = this.renderFresh();
    this.renderedForSynth = json;
    queueMicrotask(() => this.renderedForSynth = undefined);
    // The plan that rendering just made: no second render.
    const plan = this.lastPlan ?? this.plan();
    const own = [json, ...companions()];
    const problems = [
      ...plan.problems,
      ...this.referenceProblems(json.spec.template.spec),
      ...this.startupProblems(json.spec.template.spec),
      ...renderedNameProblems(own, construct.node.path),
    ];
    const grace = plan.budget.terminationGracePeriodSeconds;
    if (this.settings.explicitGraceSeconds === undefined && grace > AUTOSCALER_GRACE_SECONDS) {
      const { preStopSeconds, safetyMarginSeconds } = plan.budget;
      recordWarning(construct, graceOverAutoscalerWarning(grace,
        `derived: preStop ${preStopSeconds}s + drain ${grace - preStopSeconds - safetyMarginSeconds}s + margin ${safetyMarginSeconds}s`));
    }
    const frontends = this.frontends.map(f => f.toJson());
    const options = this.synthCheckOptions();
    const report = checkManifests(checked(options, own, frontends), options);
    reportWarnings(construct, report.findings);
    const errors = report.findings.filter(f => f.severity === Severity.ERROR).map(constructErrorMessage);
    return [...problems, ...report.problems, ...errors, ...extraChecks(json, frontends)];
  }

  /** Every object the workload's own validation checks: the workload, its companions, the objects in front. */
  public checkedObjects(companions: any[]): any[] {
    return checked(this.synthCheckOptions(), [this.resource.toJson(), ...companions], this.frontends.map(f => f.toJson()));
  }

  /** The plan of a rendered pod spec (undefined: no containers yet, the options alone). */
  private planFor(podSpec: any): PodPlan {
    const s = this.settings;
    const defaultPreStop = this.defaultPreStopSeconds();
    const pod = resolveShutdownBudget(
      {
        preStopDelay: Duration.seconds(defaultPreStop),
        drainTimeout: Duration.seconds(s.drainSeconds),
        safetyMargin: Duration.seconds(s.marginSeconds),
      },
      s.explicitGraceSeconds !== undefined ? Duration.seconds(s.explicitGraceSeconds) : undefined);
    const problems = [...pod.problems];
    const sidecars = podSpec ? this.sidecarJson(podSpec, problems) : [];
    const plans: ContainerPlan[] = [];
    for (const c of podSpec?.containers ?? []) {
      plans.push(this.planContainer(c, undefined, defaultPreStop, problems));
    }
    sidecars.forEach((c, i) => plans.push(this.planContainer(c, this.sidecarRef(c, i), defaultPreStop, problems)));
    const apps = plans.filter(p => !p.sidecar);
    const appNeeds = apps.length > 0 ? apps : [{ name: 'main', preStopSeconds: defaultPreStop, drainSeconds: s.drainSeconds }];
    // The pod's delay, unless no app container takes it (containers without a port get none by default).
    const preStopSeconds = apps.length === 0 || apps.some(a => a.podDelay) ? defaultPreStop : Math.max(...apps.map(a => a.preStopSeconds));
    const times = podShutdownTimes(appNeeds, plans.filter(p => p.sidecar));
    const needed = Math.max(...times.map(t => t.doneAtSeconds));
    const grace = s.explicitGraceSeconds ?? needed + s.marginSeconds;
    if (s.explicitGraceSeconds !== undefined && needed > s.explicitGraceSeconds && pod.problems.length === 0) {
      const worst = times.reduce((a, b) => (b.doneAtSeconds > a.doneAtSeconds ? b : a));
      problems.push(`'terminationGracePeriod' (${s.explicitGraceSeconds}s) must be at least ${needed}s: ${worst.sidecar ? `native sidecar '${worst.name}' is done only then `
        + '(it gets SIGTERM after the app containers exited, then drains)' : `container '${worst.name}' needs preStop + drain = ${needed}s`}, or SIGKILL cuts it short; `
        + `raise it to at least ${needed + s.marginSeconds}s, or omit 'terminationGracePeriod' to derive it`);
    }
    problems.push(...this.trafficPathProblems(apps, defaultPreStop));
    const timeline = killTimeline(grace, preStopSeconds);
    return {
      budget: {
        preStopSeconds,
        drainSeconds: s.drainSeconds,
        safetyMarginSeconds: s.marginSeconds,
        terminationGracePeriodSeconds: grace,
        sigtermAtSeconds: timeline.sigtermAt,
        sigkillAtSeconds: timeline.sigkillAt,
      },
      containers: times.filter(t => plans.some(p => p.name === t.name)).map(t => {
        const p = plans.find(x => x.name === t.name)!;
        return {
          container: t.name,
          sidecar: t.sidecar,
          preStopSeconds: p.preStopSeconds,
          drainSeconds: p.drainSeconds,
          sigtermAtSeconds: t.sigtermAtSeconds,
          doneAtSeconds: t.doneAtSeconds,
        };
      }),
      plans,
      sidecars,
      problems,
    };
  }

  /** One container's preStop, drain and stop signal; its own plain-sleep hook is read, not trusted to match the options. */
  private planContainer(c: any, ref: SidecarRef | undefined, defaultPreStop: number, problems: string[]): ContainerPlan {
    const s = this.settings;
    const name = String(c.name);
    const sidecar = ref?.settings;
    const opts = sidecar ? undefined : s.containerShutdown[name];
    const explicitProp = ref ? `${ref.prop}.preStopDelay`
      : opts?.preStopSeconds !== undefined ? `containerShutdown.${name}.preStopDelay`
        : s.preStopSeconds !== undefined ? 'shutdown.preStopDelay' : undefined;
    const explicit = sidecar ? sidecar.preStopSeconds : opts?.preStopSeconds ?? s.preStopSeconds;
    const drainSeconds = sidecar ? sidecar.drainSeconds : opts?.drainSeconds ?? s.drainSeconds;
    // The delay derived from the traffic paths is for containers that serve: one without a port
    // (a log shipper, a queue consumer) gets no preStop unless one is set for it (a delay, or a
    // handler of its own in `containerPreStop`).
    const serves = (c.ports ?? []).length > 0;
    const wantsDelay = serves || s.preStopSeconds !== undefined || s.containerPreStop[name] !== undefined;
    const podDelay = !sidecar && opts?.preStopSeconds === undefined && wantsDelay;
    let preStopSeconds = explicit ?? (wantsDelay ? defaultPreStop : 0);
    let hook: any;
    let hasHook = false;
    let ownDelay = false;
    // An empty hook (what the 1.27 types leave of a field they drop) is no hook.
    if (c.lifecycle?.preStop && Object.keys(c.lifecycle.preStop).length > 0) {
      hasHook = true;
      const view = preStopOf(c);
      if ((view.plainSleep || view.gracefulStopAfterSleep) && view.seconds !== undefined) {
        ownDelay = true;
        if (!Number.isFinite(view.seconds)) {
          problems.push(`container '${name}' brings its own preStop ${JSON.stringify(c.lifecycle.preStop)}, which never ends: the container is SIGKILLed at the end of `
            + 'the grace period without a drain; give the sleep a length, or remove the hook to have it rendered');
        } else if (explicitProp !== undefined && (sidecar ? sidecar.preStopSeconds > 0 : true) && explicit !== view.seconds) {
          problems.push(`container '${name}' brings its own preStop ${JSON.stringify(c.lifecycle.preStop)}, which waits ${view.seconds}s, but '${explicitProp}' says `
            + `${explicit}s: the budget would not match what runs; remove the container's lifecycle.preStop to have ${s.owner} render it, or set '${explicitProp}' `
            + `to Duration.seconds(${view.seconds})`);
        } else if (!sidecar && view.seconds === 0) {
          problems.push(`container '${name}' brings its own preStop ${JSON.stringify(c.lifecycle.preStop)}, a delay of 0s: the pod stops accepting while proxies still `
            + 'route to it (spec 1.3); remove the hook to have it rendered, or sleep at least as long as the traffic paths need');
        }
        preStopSeconds = Number.isFinite(view.seconds) ? view.seconds : preStopSeconds;
      }
    } else if (!sidecar && preStopSeconds === 0 && (c.ports ?? []).length > 0) {
      problems.push(`container '${name}' declares port(s) ${(c.ports ?? []).map((p: any) => p.containerPort).join(', ')} but '${explicitProp}' is 0s: `
        + 'no preStop delay, so it stops accepting while proxies still route to it (spec 1.3); give it a delay, or no port if it serves nothing');
    } else if (preStopSeconds > 0) {
      const handler = sidecar?.preStop ?? s.containerPreStop[name] ?? s.defaultPreStop;
      const ports: number[] = (c.ports ?? []).map((p: any) => p.containerPort);
      if (handler._kind === 'httpGet' && handler._port !== undefined && ports.length > 0 && !ports.includes(handler._port)) {
        problems.push(`'${s.containerPreStop[name] ? `containerPreStop.${name}` : 'preStop'}' ${handler._describe()} targets port ${handler._port}, which container '${name}' `
          + `does not serve (it declares ${ports.join(', ')}): the hook would fail at once and the delay be lost (spec 1.6); use one of its ports`);
      }
      try {
        hook = handler._render(preStopSeconds, ports, drainSeconds);
        hasHook = true;
      } catch (e) {
        problems.push((e as Error).message);
      }
    }
    return {
      name,
      sidecar: sidecar !== undefined,
      preStopSeconds,
      drainSeconds,
      hook,
      hasHook,
      ownDelay,
      serves,
      podDelay: podDelay && !ownDelay,
      stopSignal: (sidecar?.stopSignal ?? opts?.stopSignal)?.name,
    };
  }

  /** What the traffic paths need that the containers' preStop delays do not give. */
  private trafficPathProblems(apps: ContainerPlan[], defaultPreStop: number): string[] {
    const problems: string[] = [];
    const drain = this.settings.drainSeconds;
    for (const path of this.paths) {
      const lag = ceilSeconds(path.propagationDelay);
      if (defaultPreStop < lag) {
        problems.push(`'shutdown.preStopDelay' (${defaultPreStop}s) must cover the traffic path ${path.name}, which may send new requests for up to ${lag}s after a pod's deletion `
          + `(${path.source}); raise it to at least ${ceilSeconds(path.recommendedPreStop)}s, or omit it to derive it from the paths`);
      }
      for (const c of apps.filter(a => a.serves && a.hasHook && a.preStopSeconds < lag && a.preStopSeconds !== defaultPreStop)) {
        problems.push(`container '${c.name}' waits ${c.preStopSeconds}s before SIGTERM (${c.ownDelay ? 'its own preStop' : `'containerShutdown.${c.name}.preStopDelay'`}) but the traffic path `
          + `${path.name} may send new requests for up to ${lag}s after a pod's deletion (${path.source}); make it wait at least ${ceilSeconds(path.recommendedPreStop)}s`);
      }
      const lbDrain = path._drainSeconds(drain);
      if (lbDrain !== undefined && lbDrain > defaultPreStop + drain) {
        problems.push(`the load balancer drain of ${path.name} (${lbDrain}s) must not exceed preStop (${defaultPreStop}s) + drain (${drain}s) = `
          + `${defaultPreStop + drain}s, or the pod closes connections the load balancer still uses; lower it or raise 'shutdown.drainTimeout'`);
      }
    }
    return problems;
  }

  /**
   * The native sidecars of the rendered pod. Native (cdk8s-plus-30 and later): the init containers
   * with `restartPolicy: Always`, ours and any the app added itself. Otherwise ours, as
   * init-container JSON (deep-sorted copies, so no YAML anchors), with their volumes added to the pod.
   */
  private sidecarJson(podSpec: any, problems: string[]): any[] {
    if (NATIVE_SIDECAR_RESTART_POLICY !== undefined) {
      return (podSpec.initContainers ?? []).filter((c: any) => c.restartPolicy === NATIVE_SIDECAR_RESTART_POLICY);
    }
    return this.sidecars.map(container => {
      for (const mount of container.mounts) {
        const volume = kplus.k8s.toJson_Volume(mount.volume._toKube());
        const existing = (podSpec.volumes ?? []).find((v: any) => v.name === volume?.name);
        if (!existing) {
          podSpec.volumes = [...(podSpec.volumes ?? []), volume];
        } else if (JSON.stringify(deepSorted(existing)) !== JSON.stringify(deepSorted(volume))) {
          problems.push(`sidecar '${container.name}' mounts a volume named '${volume?.name}' that differs from the pod's volume of that name; rename one of them`);
        }
      }
      return deepSorted(kplus.k8s.toJson_Container(container._toKube()));
    });
  }

  /** The options of the i-th sidecar of the rendered pod: ours by name, or the defaults for one the app added itself. */
  private sidecarRef(c: any, i: number): SidecarRef {
    const index = NATIVE_SIDECAR_RESTART_POLICY !== undefined ? this.settings.sidecars.findIndex(x => x.props.name === c.name) : i;
    if (index >= 0) {
      return { settings: this.settings.sidecars[index], prop: `sidecars[${index}].shutdown` };
    }
    const own = this.settings.containerShutdown[String(c.name)];
    return {
      settings: {
        props: { image: c.image },
        preStopSeconds: own?.preStopSeconds ?? 0,
        drainSeconds: own?.drainSeconds ?? DEFAULT_SIDECAR_DRAIN_SECONDS,
        stopSignal: own?.stopSignal,
      },
      prop: `containerShutdown.${c.name}`,
    };
  }

  /** Adds the graceful settings to the rendered pod template. */
  private render(json: any): any {
    const podSpec = json?.spec?.template?.spec;
    if (!podSpec) {
      return json;
    }
    const plan = this.planFor(podSpec);
    this.lastPlan = plan;
    const { budget, plans } = plan;
    // Rendered here, not in the constructor: traffic paths and containers added later change it.
    podSpec.terminationGracePeriodSeconds = budget.terminationGracePeriodSeconds;
    json.metadata = sortedKeys({ ...json.metadata, annotations: sortedKeys({ ...json.metadata?.annotations, ...this.annotations(budget, plans) }) });
    podSpec.containers = (podSpec.containers ?? []).map((container: any) => {
      this.applyPlan(container, plans.find(p => !p.sidecar && p.name === container.name));
      this.fitStartupProbe(container);
      return sortedKeys(container);
    });
    if (plan.sidecars.length > 0 && NATIVE_SIDECAR_RESTART_POLICY !== undefined) {
      // Native: where cdk8s-plus rendered them (ours first, see initContainersWithSidecars).
      podSpec.initContainers = podSpec.initContainers.map((c: any) => {
        if (c.restartPolicy !== NATIVE_SIDECAR_RESTART_POLICY) return c;
        this.applyPlan(c, plans.find(p => p.sidecar && p.name === c.name));
        return sortedKeys(c);
      });
    } else if (plan.sidecars.length > 0) {
      // Sidecars first: plain init containers after them (migrations) can use them (spec 1.9).
      podSpec.initContainers = [...plan.sidecars.map(c => {
        this.applyPlan(c, plans.find(p => p.sidecar && p.name === c.name));
        return sortedKeys({ ...c, restartPolicy: 'Always' });
      }), ...(podSpec.initContainers ?? [])];
    }
    if (plans.some(p => p.stopSignal) && !podSpec.os) {
      // lifecycle.stopSignal needs spec.os.name (semantics 7.4).
      podSpec.os = { name: 'linux' };
    }
    this.applySpread(json, podSpec);
    json.spec.template.spec = sortedKeys(podSpec);
    if (this.renderKind(json)) {
      json.spec = sortedKeys(json.spec);
    }
    return json;
  }

  /** The declared drain and preStop for checkers: the pod's, and each container's where it differs. */
  private annotations(budget: ShutdownBudget, plans: ContainerPlan[]): Record<string, string> {
    const out: Record<string, string> = { [DRAIN_ANNOTATION]: String(budget.drainSeconds), [PRE_STOP_ANNOTATION]: String(budget.preStopSeconds) };
    // Built only when a container differs (most pods: none).
    let drains: Record<string, number> | undefined;
    let preStops: Record<string, number> | undefined;
    for (const p of plans) {
      if (p.drainSeconds !== budget.drainSeconds) (drains ??= {})[p.name] = p.drainSeconds;
      if (p.hasHook && !p.ownDelay && p.preStopSeconds !== budget.preStopSeconds) (preStops ??= {})[p.name] = p.preStopSeconds;
    }
    if (drains) out[CONTAINER_DRAIN_ANNOTATION] = JSON.stringify(sortedKeys(drains));
    if (preStops) out[CONTAINER_PRE_STOP_ANNOTATION] = JSON.stringify(sortedKeys(preStops));
    return out;
  }

  private applyPlan(container: any, plan: ContainerPlan | undefined): void {
    if (!plan) return;
    if (plan.hook !== undefined || plan.stopSignal !== undefined) {
      container.lifecycle = sortedKeys({
        ...container.lifecycle,
        ...(plan.hook !== undefined ? { preStop: plan.hook } : {}),
        ...(plan.stopSignal !== undefined ? { stopSignal: plan.stopSignal } : {}),
      });
    }
  }

  private applySpread(json: any, podSpec: any): void {
    if (!this.spread || podSpec.topologySpreadConstraints || podSpec.affinity?.podAntiAffinity) {
      return;
    }
    const matchLabels = json.spec.selector?.matchLabels;
    podSpec.topologySpreadConstraints = this.spread.topologyKeys.map(topologyKey => ({
      // Copies, not shared references: shared objects would render as YAML anchors.
      labelSelector: matchLabels ? { matchLabels: { ...matchLabels } } : undefined,
      maxSkew: this.spread!.maxSkew,
      topologyKey,
      whenUnsatisfiable: this.spread!.whenUnsatisfiable,
    }));
  }

  /**
   * Gives a slow starter a startup probe long enough for `startupTimeout` (spec 2.5: liveness
   * waits for it). A startup probe left at its defaults (such as the tcpSocket one cdk8s-plus
   * adds) is lengthened; one with timings of its own that is too short fails validation instead.
   */
  private fitStartupProbe(container: any): void {
    const timeout = this.settings.startupTimeoutSeconds;
    if (timeout === undefined) {
      return;
    }
    const startup = container.startupProbe;
    if (startup) {
      if (leftAtDefaults(startup)) {
        const resolved = resolveProbe(startup)!;
        startup.failureThreshold = Math.max(resolved.failureThreshold, Math.ceil((timeout - resolved.initialDelaySeconds) / resolved.periodSeconds));
      }
      return;
    }
    const liveness = resolveProbe(container.livenessProbe);
    if (!liveness || probeWindowSeconds(liveness) >= timeout) {
      return;
    }
    const { handler, periodSeconds } = resolveProbe(container.readinessProbe) ?? liveness;
    container.startupProbe = sortedKeys({ ...structuredClone(handler), periodSeconds, failureThreshold: Math.ceil(timeout / periodSeconds) });
  }

  private startupProblems(podSpec: any): string[] {
    const timeout = this.settings.startupTimeoutSeconds;
    if (timeout === undefined) return [];
    const tooShort = (podSpec.containers ?? []).filter((c: any) => c.startupProbe && probeWindowSeconds(resolveProbe(c.startupProbe)!) < timeout);
    return tooShort.map((c: any) => {
      const probe = resolveProbe(c.startupProbe)!;
      return `container '${c.name}': its startupProbe allows ${probeWindowSeconds(probe)}s (initialDelay + failureThreshold × period) but 'startupTimeout' is ${timeout}s; `
        + `liveness could kill it while it boots. Raise the startup probe's failureThreshold to ${Math.ceil(timeout / probe.periodSeconds)} or lower 'startupTimeout'`;
    });
  }

  /** Per-container options that name no container. */
  private referenceProblems(podSpec: any): string[] {
    const sidecars = (podSpec.initContainers ?? []).filter((c: any) => c.restartPolicy === 'Always');
    const names = [...(podSpec.containers ?? []), ...sidecars].map((c: any) => String(c.name));
    const out: string[] = [];
    const options = [['containerPreStop', this.settings.containerPreStop], ['containerShutdown', this.settings.containerShutdown]] as const;
    for (const [prop, map] of options) {
      for (const name of Object.keys(map).filter(n => !names.includes(n))) {
        out.push(`'${prop}.${name}' names no container of ${this.settings.owner} (it has ${names.map(n => `'${n}'`).join(', ')}); fix the name or remove the entry`);
      }
    }
    return out;
  }
}

/** The objects the rule pack checks at synth: the workload's own PDB only when a rule that runs reads it (_synth-rules.ts). */
function checked(options: CheckOptions, own: any[], frontends: any[]): any[] {
  const objects = readsDisruptionBudgets(options) ? own : own.filter(o => o.kind !== 'PodDisruptionBudget');
  return [...objects, ...frontends];
}

/** A companion object that renders once per synth: how it renders, and the JSON kept for the synth. */
interface RenderedOnce {
  readonly render: () => any;
  forSynth?: any;
}
const RENDERED_ONCE = Symbol('graceful-k8s.renderedOnce');

/**
 * Makes a companion object (a PDB, an HPA) render once per synth: `renderForValidation` renders
 * it, and the synth that follows in the same synchronous call (cdk8s validates, then renders)
 * takes that JSON instead of rendering it again. Any later call renders afresh.
 */
export function renderOncePerSynth(obj: ApiObject): void {
  const once: RenderedOnce = { render: obj.toJson.bind(obj) };
  (obj as any)[RENDERED_ONCE] = once;
  obj.toJson = () => {
    const json = once.forSynth;
    if (json === undefined) return once.render();
    once.forSynth = undefined;
    return json;
  };
}

/** A companion's JSON for the workload's validation, fresh, kept for the synth that follows (see renderOncePerSynth). */
export function renderForValidation(obj: ApiObject): any {
  const once: RenderedOnce | undefined = (obj as any)[RENDERED_ONCE];
  if (!once) return obj.toJson();
  const json = once.render();
  once.forSynth = json;
  queueMicrotask(() => once.forSynth = undefined);
  return json;
}

/** A sidecar's container props, without our own options. */
function containerPropsOf(sidecar: SidecarSettings): kplus.ContainerProps {
  const { shutdown: _shutdown, preStop: _preStop, ...containerProps } = sidecar.props;
  return containerProps;
}

/**
 * The init containers a workload is constructed with: where this cdk8s-plus major has native
 * sidecars, the `sidecars` first (so plain init containers after them, migrations, can use them,
 * spec 1.9), then its own; with cdk8s-plus-27 its own only (the sidecars are rendered later).
 */
export function initContainersWithSidecars(settings: PodSettings, own: kplus.ContainerProps[] | undefined): kplus.ContainerProps[] | undefined {
  const native = settings.sidecars.map(s => nativeSidecarProps(containerPropsOf(s)));
  return native.length === 0 || native.some(n => n === undefined) ? own : [...native as kplus.ContainerProps[], ...(own ?? [])];
}

/**
 * The object with its own keys sorted, as cdk8s renders (unless CDK8S_DISABLE_SORT is set): the
 * object itself when they are, else a sorted copy. Shallow: the values we insert are built in
 * sorted order.
 */
export function sortedKeys(value: any): any {
  const keys = Object.keys(value);
  // Already in order (most objects cdk8s rendered, where a key was replaced, not added): as is.
  let inOrder = true;
  for (let i = 1; i < keys.length && inOrder; i++) inOrder = keys[i - 1] < keys[i];
  if (inOrder || process.env.CDK8S_DISABLE_SORT) {
    return value;
  }
  const sorted: any = {};
  for (const k of keys.sort()) {
    sorted[k] = value[k];
  }
  return sorted;
}

/** A deep copy with every object's keys sorted and undefined values dropped. */
function deepSorted(value: any): any {
  if (Array.isArray(value)) return value.map(deepSorted);
  if (value === null || typeof value !== 'object') return value;
  const keys = process.env.CDK8S_DISABLE_SORT ? Object.keys(value) : Object.keys(value).sort();
  const out: any = {};
  for (const k of keys) {
    if (value[k] !== undefined) out[k] = deepSorted(value[k]);
  }
  return out;
}

/**
 * True for a probe with no timing of its own: such as the tcpSocket startup probe
 * cdk8s-plus adds to every container with a port (it renders failureThreshold 3).
 */
function leftAtDefaults(probe: any): boolean {
  return probe.initialDelaySeconds === undefined && probe.periodSeconds === undefined
    && probe.timeoutSeconds === undefined && probe.successThreshold === undefined
    && (probe.failureThreshold === undefined || probe.failureThreshold === 3);
}

/**
 * A PodDisruptionBudget for a workload's pods: sized as the options say, AlwaysAllow for
 * unhealthy pods (spec 6.3). Its rendering keeps numbers and percentages that a JSON patch
 * writes (`/spec/maxUnavailable: 2`): the typed 1.27 rendering reads only IntOrString objects and
 * would drop them silently.
 */
export function createDisruptionBudget(
  scope: IConstruct & { readonly metadata: ApiObjectMetadataDefinition; readonly matchLabels: Record<string, string> },
  budget: { readonly maxUnavailable?: number | string; readonly minAvailable?: number | string; readonly name?: string },
): kplus.k8s.KubePodDisruptionBudget {
  const intOrString = (v: number | string | undefined) => v === undefined ? undefined
    : typeof v === 'number' ? kplus.k8s.IntOrString.fromNumber(v) : kplus.k8s.IntOrString.fromString(v);
  const pdb = new kplus.k8s.KubePodDisruptionBudget(scope, 'DisruptionBudget', {
    metadata: { ...(budget.name !== undefined ? { name: budget.name } : {}), namespace: scope.metadata.namespace },
    spec: {
      maxUnavailable: intOrString(budget.maxUnavailable),
      minAvailable: intOrString(budget.minAvailable),
      selector: Lazy.any({ produce: () => ({ matchLabels: scope.matchLabels }) }),
      // A crash-looping pod must not block drains (spec 6.3).
      unhealthyPodEvictionPolicy: 'AlwaysAllow',
    },
  });
  const typed = pdb.toJson.bind(pdb);
  pdb.toJson = () => {
    const json = typed();
    if (((pdb as any).patches ?? []).length === 0) {
      return json;
    }
    const raw = ApiObject.prototype.toJson.call(pdb);
    for (const field of ['maxUnavailable', 'minAvailable']) {
      const value = raw.spec?.[field];
      if (typeof value === 'number' || typeof value === 'string') {
        json.spec = sortedKeys({ ...json.spec, [field]: value });
      } else if (value === undefined && json.spec) {
        delete json.spec[field];
      }
    }
    return json;
  };
  renderOncePerSynth(pdb);
  return pdb;
}
