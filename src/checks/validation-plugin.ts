import * as fs from 'fs';
import { checkTexts, severityCounts } from './check-files';
import { RULES_BY_ID } from './registry';

/**
 * Properties of the cdk8s CLI validation plugin (the `properties` of its entry in
 * `cdk8s.yaml`).
 */
export interface GracefulValidationPluginProps {
  /**
   * Fail `cdk8s synth` on warnings too.
   *
   * @default false - warnings are listed in the report, synth succeeds
   */
  readonly failOnWarnings?: boolean;
}

/**
 * The GS rule pack as a cdk8s CLI validation plugin: `cdk8s synth` runs it on the
 * synthesized manifests when `cdk8s.yaml` lists it under `validations`:
 *
 * ```yaml
 * validations:
 *   - package: graceful-k8s
 *     version: <the exact version installed, e.g. 0.1.0: the CLI refuses ranges>
 *     class: GracefulValidationPlugin
 *     properties: { failOnWarnings: false }
 * ```
 *
 * The CLI instantiates the class with `properties` and calls `validate(context)` with its
 * ValidationContext (manifest paths, a report to fill and submit).
 */
export class GracefulValidationPlugin {
  private readonly failOnWarnings: boolean;

  constructor(props: GracefulValidationPluginProps = {}) {
    this.failOnWarnings = props.failOnWarnings ?? false;
  }

  /**
   * Checks the manifests of a cdk8s CLI ValidationContext and submits its report.
   *
   * @param context the cdk8s CLI's ValidationContext (`manifests`, `report`, `logger`)
   */
  public async validate(context: any): Promise<void> {
    const manifests: string[] = [...(context.manifests ?? [])];
    const report = checkTexts(manifests.map(file => ({ file, text: fs.readFileSync(file, 'utf8') })));
    const byRule = new Map<string, typeof report.findings>();
    for (const f of report.findings) {
      byRule.set(f.ruleId, [...(byRule.get(f.ruleId) ?? []), f]);
    }
    for (const [ruleId, findings] of byRule) {
      const rule = RULES_BY_ID.get(ruleId)!;
      context.report.addViolation({
        ruleName: `${ruleId} (${rule.severity}) ${rule.title}`,
        recommendation: rule.rationale,
        fix: findings[0].fix,
        violatingResources: findings.map(f => ({
          resourceName: f.name,
          manifestPath: f.file,
          locations: [`line ${f.line} ${f.pointer}${f.container ? ` (container '${f.container}')` : ''}: ${f.message}`],
        })),
      });
    }
    for (const e of report.parseErrors) {
      context.report.addViolation({
        ruleName: 'parse error',
        recommendation: 'the manifest must be valid YAML',
        fix: 'correct the YAML at the line given',
        violatingResources: [{ resourceName: '-', manifestPath: e.file, locations: [`line ${e.line}: ${e.message}`] }],
      });
    }
    const counts = severityCounts(report);
    const errors = counts.errors + report.parseErrors.length;
    const warnings = counts.warnings;
    for (const p of report.problems) {
      context.logger?.log?.(`graceful-k8s: ${p}`);
    }
    const failed = errors > 0 || (this.failOnWarnings && warnings > 0);
    context.report.submit(failed ? 'failure' : 'success', {
      objects: String(report.objectCount),
      workloads: String(report.workloadCount),
      errors: String(errors),
      warnings: String(warnings),
      suppressed: String(report.suppressed.length),
    });
  }
}
