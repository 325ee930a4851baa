// What the API server validates that a plain-JSON reader can check without a cluster: name
// formats, integer ranges, enumerations, and the API versions each kind is served under.
// Sources: kubernetes/kubernetes `staging/src/k8s.io/apimachinery/pkg/util/validation/validation.go`
// (`IsDNS1123Label`, `IsDNS1123Subdomain`, `IsDNS1035Label`, `IsQualifiedName`,
// `IsValidLabelValue`), `pkg/apis/*/validation/validation.go`; the removed API versions from
// https://kubernetes.io/docs/reference/using-api/deprecation-guide/. docs/kubernetes-semantics.md 7.
// The lowest layer: it imports nothing.

/** The largest int32, the type of replicas, ports, seconds and most counts in the API. */
export const INT32_MAX = 2_147_483_647;

/** A DNS-1123 label: container names, StatefulSet names, port names of Services (63 characters). */
export const DNS1123_LABEL = /^(?=.{1,63}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** A DNS-1123 subdomain: most object names (253 characters). */
export const DNS1123_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** A DNS-1035 label: Service names (a letter first, 63 characters). */
export const DNS1035_LABEL = /^(?=.{1,63}$)[a-z]([-a-z0-9]*[a-z0-9])?$/;

/** A label value: empty, or up to 63 letters, digits, `-`, `_`, `.`, alphanumeric at both ends. */
export const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** A qualified name (label and annotation keys): an optional DNS subdomain prefix and `/`, then a name of 63. */
export const QUALIFIED_NAME = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?(?=.{1,63}$)[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

/** An IANA service name: a named container port or targetPort (15 characters, a letter, no `--`). */
export const IANA_SVC_NAME = /^(?=.{1,15}$)(?=.*[a-z])(?!.*--)[a-z0-9]+(-[a-z0-9]+)*$/;

/** Kinds with a pod template. */
export const POD_TEMPLATE_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'ReplicationController', 'Job', 'CronJob'];

/** `podManagementPolicy` of a StatefulSet. */
export const STATEFUL_SET_POD_MANAGEMENT = ['OrderedReady', 'Parallel'];

/** `type` of a Service. */
export const SERVICE_TYPES = ['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'];

/** The API versions each kind is served under by Kubernetes 1.27 and later, and why an older one fails. */
export const API_VERSIONS: Record<string, { readonly versions: readonly string[]; readonly removed: Readonly<Record<string, string>> }> = {
  Deployment: { versions: ['apps/v1'], removed: { 'extensions/v1beta1': 'removed in 1.16', 'apps/v1beta1': 'removed in 1.16', 'apps/v1beta2': 'removed in 1.16' } },
  StatefulSet: { versions: ['apps/v1'], removed: { 'apps/v1beta1': 'removed in 1.16', 'apps/v1beta2': 'removed in 1.16' } },
  DaemonSet: { versions: ['apps/v1'], removed: { 'extensions/v1beta1': 'removed in 1.16', 'apps/v1beta2': 'removed in 1.16' } },
  ReplicaSet: { versions: ['apps/v1'], removed: { 'extensions/v1beta1': 'removed in 1.16', 'apps/v1beta2': 'removed in 1.16' } },
  ReplicationController: { versions: ['v1'], removed: {} },
  Pod: { versions: ['v1'], removed: {} },
  Service: { versions: ['v1'], removed: {} },
  Job: { versions: ['batch/v1'], removed: {} },
  CronJob: { versions: ['batch/v1'], removed: { 'batch/v1beta1': 'removed in 1.25', 'batch/v2alpha1': 'removed in 1.21' } },
  PodDisruptionBudget: { versions: ['policy/v1'], removed: { 'policy/v1beta1': 'removed in 1.25' } },
  HorizontalPodAutoscaler: { versions: ['autoscaling/v2', 'autoscaling/v1'], removed: { 'autoscaling/v2beta2': 'removed in 1.26', 'autoscaling/v2beta1': 'removed in 1.25' } },
  Ingress: { versions: ['networking.k8s.io/v1'], removed: { 'extensions/v1beta1': 'removed in 1.22', 'networking.k8s.io/v1beta1': 'removed in 1.22' } },
};
