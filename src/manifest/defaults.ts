// Kept for the drill's imports while it moves to src/kubernetes/defaults.ts and ./strategy.
// New code imports from those.

export {
  DAEMON_SET_DEFAULTS, DEFAULT_GRACE_SECONDS, DEFAULT_HPA_MIN_REPLICAS, DEPLOYMENT_DEFAULTS, KUBELET_MINIMUM_STOP_SECONDS, PROBE_DEFAULTS,
  STATEFUL_SET_DEFAULTS,
} from '../kubernetes/defaults';
export { ResolvedStrategy, strategyDefaults, strategyOf } from './strategy';

/**
 * @deprecated a `policy/v1` PodDisruptionBudget has no default budget: with neither field it
 * allows every eviction (`PDB_DESIRED_HEALTHY_WITHOUT_BUDGET` in src/kubernetes/defaults.ts).
 */
export const DEFAULT_PDB_MIN_AVAILABLE = 1;
