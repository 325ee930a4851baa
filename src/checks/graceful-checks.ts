import { ApiObject } from 'cdk8s';
import { IConstruct } from 'constructs';
import { CheckOptions, CheckReport, checkManifests, errorMessages, formatFinding } from './engine';
import { ruleInfos } from './registry';
import { Finding, RuleInfo, Severity } from './rule';
import { addSuppressions } from './suppressions';
import { notesOf, reportWarnings, warningsOf } from './warnings';

/**
 * Options of the graceful-shutdown rule pack on a construct scope.
 */
export interface GracefulChecksProps {
  /**
   * Fail synth on warnings too.
   *
   * @default false - warnings are printed and recorded, synth goes on
   */
  readonly warningsAsErrors?: boolean;
}

/**
 * A rule switched off for a construct, with the reason.
 */
export interface RuleSuppression {
  /** Rule id, e.g. 'GS009'. */
  readonly id: string;
  /** Why the rule does not apply; at least 10 characters. */
  readonly reason: string;
}

/**
 * The GS rule pack applied to every Kubernetes object under a construct scope: cdk8s-plus
 * objects, raw `k8s.Kube*` objects and `Include`d YAML alike (cdk-nag style).
 *
 * cdk8s has no Aspects, but `App.synth()` and `Testing.synth()` run every validation added
 * with `node.addValidation`: `applyTo` adds one that fails synth on errors and prints
 * warnings.
 */
export class GracefulChecks {
  /**
   * Runs the pack at synth on everything under `scope` (errors fail synth).
   */
  public static applyTo(scope: IConstruct, props: GracefulChecksProps = {}): GracefulChecks {
    return new GracefulChecks(scope, props);
  }

  /**
   * The pack's report for everything under `scope`, without failing anything (for tests).
   */
  public static check(scope: IConstruct): CheckReport {
    return checkManifests(apiObjectsUnder(scope).map(o => o.toJson()));
  }

  /**
   * Suppresses rules on a construct's Kubernetes object, with a reason. Recorded as the
   * `graceful-k8s.io/suppress` annotation, so the CLI and the cdk8s plugin honour it too,
   * and listed in reports.
   */
  public static suppress(construct: IConstruct, suppressions: RuleSuppression[]): void {
    const apiObject = ApiObject.of(construct);
    addSuppressions(apiObject, `suppression on '${construct.node.path}'`, Object.fromEntries(suppressions.map(s => [s.id, s.reason])));
  }

  /**
   * Every rule of the pack: id, severity, title, rationale, fix and phase on the shutdown timeline.
   */
  public static rules(): RuleInfo[] {
    return ruleInfos();
  }

  /**
   * The warnings recorded on a construct at synth (what was printed once), e.g. a grace period
   * above 600 s. Empty when there are none.
   */
  public static warningsOf(construct: IConstruct): string[] {
    return warningsOf(construct);
  }

  /**
   * The notes recorded on a construct: advice that is not a finding, e.g. the namespace label the
   * ALB preset needs for pod readiness gates.
   */
  public static notesOf(construct: IConstruct): string[] {
    return notesOf(construct);
  }

  private constructor(private readonly scope: IConstruct, private readonly props: GracefulChecksProps) {
    scope.node.addValidation({ validate: () => this.validate() });
  }

  private validate(): string[] {
    const report = GracefulChecks.check(this.scope);
    // A graceful workload validates its own objects: report only what it does not. Its warnings
    // are its own too, unless warnings fail synth here: then they are errors of this scope.
    const warningsAsErrors = this.props.warningsAsErrors === true;
    const own = new Set<string>();
    for (const gd of this.scope.node.findAll().filter(isSelfChecking)) {
      // With the rules it ran: what its own props cannot break is checked here (src/_synth-rules.ts).
      for (const f of checkManifests(gd._checkedObjects(), gd._synthCheckOptions()).findings) {
        if (f.severity === Severity.ERROR || !warningsAsErrors) own.add(formatFinding(f));
      }
    }
    const findings = report.findings.filter(f => !own.has(formatFinding(f)));
    const failing = (f: Finding) => f.severity === Severity.ERROR || warningsAsErrors;
    reportWarnings(this.scope, findings.filter(f => !failing(f)));
    const errors = findings.filter(failing).map(f => ({ ...f, severity: Severity.ERROR }));
    return errorMessages({ ...report, findings: errors });
  }
}

/**
 * A graceful workload (GracefulDeployment, GracefulStatefulSet, GracefulDaemonSet), which checks its
 * own objects at synth. Known by these two methods rather than by class, so that the checks import
 * nothing from the constructs above them.
 */
interface SelfCheckingWorkload {
  /** The objects its own validation checks. */
  _checkedObjects(): any[];
  /** The options its own validation runs the rules with. */
  _synthCheckOptions(): CheckOptions;
}

function isSelfChecking(c: IConstruct): c is IConstruct & SelfCheckingWorkload {
  const candidate = c as Partial<SelfCheckingWorkload>;
  return typeof candidate._checkedObjects === 'function' && typeof candidate._synthCheckOptions === 'function';
}

function apiObjectsUnder(scope: IConstruct): ApiObject[] {
  return scope.node.findAll().filter((c): c is ApiObject => ApiObject.isApiObject(c));
}
