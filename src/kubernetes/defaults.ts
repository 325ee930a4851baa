// What the API server fills in when a manifest leaves a field out (or writes the value that means
// "unset"), read once here from the Kubernetes sources. Every reader of manifests (the checker's
// views, the drill, the constructs' validation, the timing arithmetic) takes its defaults from
// this file, so an object is judged as the API server stores it. The lowest layer: it imports
// nothing. Sources are in kubernetes/kubernetes; docs/kubernetes-semantics.md has the table.
//
// @see https://kubernetes.io/docs/reference/using-api/api-concepts/#defaulting

/**
 * Probe defaults: `pkg/apis/core/v1/defaults.go` `SetDefaults_Probe`; a 0 is replaced too
 * (spec 2.1). An httpGet probe's path is `/` and its scheme HTTP (`SetDefaults_HTTPGetAction`).
 */
export const PROBE_DEFAULTS = {
  initialDelaySeconds: 0,
  periodSeconds: 10,
  timeoutSeconds: 1,
  successThreshold: 1,
  failureThreshold: 3,
  httpPath: '/',
  httpScheme: 'HTTP',
} as const;

/** A pod's `terminationGracePeriodSeconds` when unset: `pkg/apis/core/v1/defaults.go` `SetDefaults_PodSpec` (spec 1.1). */
export const DEFAULT_GRACE_SECONDS = 30;

/** A pod's `restartPolicy` when unset: `SetDefaults_PodSpec`. */
export const DEFAULT_RESTART_POLICY = 'Always';

/** A container port's, and a Service port's, protocol when unset: `SetDefaults_ContainerPort`, `SetDefaults_Service`. */
export const DEFAULT_PROTOCOL = 'TCP';

/** A Service's `type` when unset: `SetDefaults_Service`. */
export const DEFAULT_SERVICE_TYPE = 'ClusterIP';

/**
 * The pod port a Service port sends to, as the API server stores it: `targetPort` left out, `0`
 * or `""` becomes `port` (`pkg/apis/core/v1/defaults.go` `SetDefaults_Service`). A digit string
 * such as `"8080"` is a port name to the API server (and refused: 7.9), so it stays a string.
 */
export function serviceTargetPort(port: unknown, targetPort: unknown): unknown {
  return targetPort === undefined || targetPort === null || targetPort === 0 || targetPort === '' ? port : targetPort;
}

/** `apps/v1` Deployment defaults: `pkg/apis/apps/v1/defaults.go` `SetDefaults_Deployment` (spec 3.1). */
export const DEPLOYMENT_DEFAULTS = {
  replicas: 1,
  strategyType: 'RollingUpdate',
  maxSurge: '25%',
  maxUnavailable: '25%',
  minReadySeconds: 0,
  progressDeadlineSeconds: 600,
  revisionHistoryLimit: 10,
} as const;

/** `apps/v1` DaemonSet defaults: `SetDefaults_DaemonSet`: RollingUpdate, one node at a time, no surge. */
export const DAEMON_SET_DEFAULTS = {
  strategyType: 'RollingUpdate',
  maxSurge: 0,
  maxUnavailable: 1,
} as const;

/**
 * `apps/v1` StatefulSet defaults: `SetDefaults_StatefulSet`: OrderedReady, RollingUpdate from
 * partition 0, one pod at a time (`maxUnavailable` is read only with the MaxUnavailableStatefulSet
 * gate; 1 either way).
 */
export const STATEFUL_SET_DEFAULTS = {
  replicas: 1,
  strategyType: 'RollingUpdate',
  podManagementPolicy: 'OrderedReady',
  partition: 0,
  maxUnavailable: 1,
} as const;

/** `autoscaling/v2` HorizontalPodAutoscaler `minReplicas` when unset: `pkg/apis/autoscaling/v2/defaults.go`. */
export const DEFAULT_HPA_MIN_REPLICAS = 1;

/** A KEDA ScaledObject's `minReplicaCount` and `maxReplicaCount` when unset (KEDA's CRD defaults). */
export const KEDA_DEFAULTS = { minReplicaCount: 0, maxReplicaCount: 100 } as const;

/**
 * A PodDisruptionBudget (`policy/v1`) has no defaults: with neither `minAvailable` nor
 * `maxUnavailable`, the disruption controller wants 0 healthy pods and allows every eviction
 * (`pkg/controller/disruption/disruption.go` `getExpectedPodCount`). Both percentages round up.
 */
export const PDB_DESIRED_HEALTHY_WITHOUT_BUDGET = 0;

/** The kubelet never gives a container less than this after its preStop (spec 1.4 step 4, `minimumGracePeriodInSeconds`). */
export const KUBELET_MINIMUM_STOP_SECONDS = 2;
