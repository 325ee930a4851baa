// The checker's configuration file, `.graceful-check.yaml`, found upward from the inputs (as
// linters find theirs), so vendor YAML is checked in CI without patching it: rules to disable
// or enable, the exit threshold, objects to exclude and suppressions by object.

import * as fs from 'fs';
import * as path from 'path';
import { load as loadYaml } from 'js-yaml';
import { ObjectExclusion } from '../checks/engine';
import { RULES_BY_ID } from '../checks/registry';
import { Severity } from '../checks/rule';
import { isRecord } from '../manifest/fields';

export const CONFIG_FILE_NAMES = ['.graceful-check.yaml', '.graceful-check.yml'];

/** What fails the run: error findings (default), warnings too, or nothing. */
export type FailOn = 'error' | 'warning' | 'never';

export interface CheckerConfig {
  /** Where it was read from. */
  readonly file?: string;
  readonly disable?: string[];
  readonly enable?: string[];
  readonly failOn?: FailOn;
  readonly routes?: 'complete' | 'partial';
  readonly exclude?: ObjectExclusion[];
  /** `Kind/namespace/name` or `Kind/name` → rule id → reason. */
  readonly suppress?: Record<string, Record<string, string>>;
  /** Rule id → the severity its findings get (error or warning), over the rule's own. */
  readonly severity?: Record<string, Severity>;
}

const KEYS = ['disable', 'enable', 'severity', 'failOn', 'routes', 'exclude', 'suppress'];

/** The nearest config file at or above `dir`, if any. */
export function findConfig(dir: string): string | undefined {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    for (const name of CONFIG_FILE_NAMES) {
      const candidate = path.join(d, name);
      if (fs.existsSync(candidate)) return candidate;
    }
    if (path.dirname(d) === d) return undefined;
  }
}

function stringList(value: unknown, key: string, file: string): string[] {
  if (!Array.isArray(value) || value.some(v => typeof v !== 'string')) {
    throw new Error(`${file}: '${key}' must be a list of rule ids, e.g. [GS014, GS018]`);
  }
  return value.map(v => v.toUpperCase());
}

/** Reads and validates a config file; throws with the file, the key and the fix. */
export function readConfig(file: string): CheckerConfig {
  let raw: unknown;
  try {
    raw = loadYaml(fs.readFileSync(file, 'utf8'), { filename: file });
  } catch (e) {
    throw new Error(`${file}: ${String((e as Error).message).split('\n')[0]}`);
  }
  if (raw === undefined || raw === null) return { file };
  if (!isRecord(raw)) throw new Error(`${file}: must be a map with keys ${KEYS.join(', ')}`);
  const unknown = Object.keys(raw).filter(k => !KEYS.includes(k));
  if (unknown.length > 0) throw new Error(`${file}: unknown key(s) ${unknown.join(', ')}; known keys are ${KEYS.join(', ')}`);
  const config: { -readonly [K in keyof CheckerConfig]: CheckerConfig[K] } = { file };
  if (raw.disable !== undefined) config.disable = stringList(raw.disable, 'disable', file);
  if (raw.enable !== undefined) config.enable = stringList(raw.enable, 'enable', file);
  if (raw.failOn !== undefined) {
    if (!['error', 'warning', 'never'].includes(raw.failOn)) throw new Error(`${file}: 'failOn' must be error, warning or never (got ${JSON.stringify(raw.failOn)})`);
    config.failOn = raw.failOn;
  }
  if (raw.routes !== undefined) {
    if (!['complete', 'partial'].includes(raw.routes)) throw new Error(`${file}: 'routes' must be complete or partial (got ${JSON.stringify(raw.routes)})`);
    config.routes = raw.routes;
  }
  if (raw.exclude !== undefined) {
    if (!Array.isArray(raw.exclude) || raw.exclude.some(e => !isRecord(e) || Object.keys(e).some(k => !['kind', 'namespace', 'name'].includes(k) || typeof e[k] !== 'string'))) {
      throw new Error(`${file}: 'exclude' must be a list of { kind, namespace, name } patterns ('*' matches any run of characters), e.g. - { namespace: kube-system }`);
    }
    config.exclude = raw.exclude;
  }
  if (raw.severity !== undefined) {
    const example = 'e.g. severity: { GS014: error, GS009: warning }';
    if (!isRecord(raw.severity)) throw new Error(`${file}: 'severity' must map rule ids to error or warning, ${example}`);
    const severity: Record<string, Severity> = {};
    for (const [id, value] of Object.entries(raw.severity)) {
      if (!RULES_BY_ID.has(id.toUpperCase())) throw new Error(`${file}: 'severity' names unknown rule '${id}'; known rules are GS000-GS${String(RULES_BY_ID.size - 1).padStart(3, '0')} (graceful-check --list-rules)`);
      if (value !== 'error' && value !== 'warning') throw new Error(`${file}: 'severity.${id}' must be error or warning (got ${JSON.stringify(value)}); ${example}`);
      severity[id.toUpperCase()] = value === 'error' ? Severity.ERROR : Severity.WARNING;
    }
    config.severity = severity;
  }
  if (raw.suppress !== undefined) {
    if (!isRecord(raw.suppress) || Object.values(raw.suppress).some(v => !isRecord(v) || Object.values(v).some(r => typeof r !== 'string'))) {
      throw new Error(`${file}: 'suppress' must map 'Kind/namespace/name' to { GSnnn: reason }, e.g. Deployment/kube-system/coredns: { GS009: "managed by the provider" }`);
    }
    config.suppress = raw.suppress as Record<string, Record<string, string>>;
  }
  return config;
}
