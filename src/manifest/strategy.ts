// A workload's update strategy as the API server stores it: the kind's defaults filled in
// (src/kubernetes/defaults.ts), the values as written (number or percentage), not yet resolved.

import { DAEMON_SET_DEFAULTS, DEPLOYMENT_DEFAULTS, STATEFUL_SET_DEFAULTS } from '../kubernetes/defaults';

/**
 * A workload's update strategy with the defaults of its kind filled in (spec 3.1).
 * `maxSurge`/`maxUnavailable` are as written (number or percentage), not yet resolved.
 */
export interface ResolvedStrategy {
  /** RollingUpdate, Recreate or OnDelete. */
  readonly type: string;
  readonly maxSurge: number | string;
  readonly maxUnavailable: number | string;
  /** Whether each field was written in the manifest (messages say "(the default)" otherwise). */
  readonly declared: { readonly maxSurge: boolean; readonly maxUnavailable: boolean };
  /** JSON pointer of the strategy object. */
  readonly pointer: string;
}

/** maxSurge and maxUnavailable of a kind when the manifest leaves them out. */
export function strategyDefaults(kind: string): { maxSurge: number | string; maxUnavailable: number | string } {
  switch (kind) {
    case 'DaemonSet': return { maxSurge: DAEMON_SET_DEFAULTS.maxSurge, maxUnavailable: DAEMON_SET_DEFAULTS.maxUnavailable };
    case 'StatefulSet': return { maxSurge: 0, maxUnavailable: STATEFUL_SET_DEFAULTS.maxUnavailable };
    default: return { maxSurge: DEPLOYMENT_DEFAULTS.maxSurge, maxUnavailable: DEPLOYMENT_DEFAULTS.maxUnavailable };
  }
}

/** The update strategy of a Deployment, DaemonSet or StatefulSet with its kind's defaults. */
export function strategyOf(obj: any): ResolvedStrategy | undefined {
  const spec = obj?.spec ?? {};
  switch (obj?.kind) {
    case 'Deployment': {
      const s = isObject(spec.strategy) ? spec.strategy : {};
      const rolling = isObject(s.rollingUpdate) ? s.rollingUpdate : {};
      return {
        type: typeof s.type === 'string' ? s.type : DEPLOYMENT_DEFAULTS.strategyType,
        maxSurge: rolling.maxSurge ?? DEPLOYMENT_DEFAULTS.maxSurge,
        maxUnavailable: rolling.maxUnavailable ?? DEPLOYMENT_DEFAULTS.maxUnavailable,
        declared: { maxSurge: rolling.maxSurge !== undefined, maxUnavailable: rolling.maxUnavailable !== undefined },
        pointer: '/spec/strategy',
      };
    }
    case 'DaemonSet': {
      const s = isObject(spec.updateStrategy) ? spec.updateStrategy : {};
      const rolling = isObject(s.rollingUpdate) ? s.rollingUpdate : {};
      return {
        type: typeof s.type === 'string' ? s.type : DAEMON_SET_DEFAULTS.strategyType,
        maxSurge: rolling.maxSurge ?? DAEMON_SET_DEFAULTS.maxSurge,
        maxUnavailable: rolling.maxUnavailable ?? DAEMON_SET_DEFAULTS.maxUnavailable,
        declared: { maxSurge: rolling.maxSurge !== undefined, maxUnavailable: rolling.maxUnavailable !== undefined },
        pointer: '/spec/updateStrategy',
      };
    }
    case 'StatefulSet': {
      const s = isObject(spec.updateStrategy) ? spec.updateStrategy : {};
      const rolling = isObject(s.rollingUpdate) ? s.rollingUpdate : {};
      return {
        type: typeof s.type === 'string' ? s.type : STATEFUL_SET_DEFAULTS.strategyType,
        maxSurge: 0,
        maxUnavailable: rolling.maxUnavailable ?? STATEFUL_SET_DEFAULTS.maxUnavailable,
        declared: { maxSurge: false, maxUnavailable: rolling.maxUnavailable !== undefined },
        pointer: '/spec/updateStrategy',
      };
    }
    default:
      return undefined;
  }
}

function isObject(value: unknown): value is Record<string, any> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
