// Any Kubernetes object as plain JSON, and the annotations this project reads and writes.
// Everything under manifest/ is a plain-JSON view shared by the rules, the constructs'
// validation and the drill, so all three judge a manifest the same way.

/** Any Kubernetes object as JSON. */
export type KubeObject = { apiVersion?: string; kind?: string; metadata?: any; spec?: any; [key: string]: any };

/** Annotation keys the rules read (and the constructs write). */
export const ANNOTATION_PREFIX = 'graceful-k8s.io/';
/** Seconds the app needs after SIGTERM. Default: `DEFAULT_DRAIN_SECONDS`. */
export const DRAIN_ANNOTATION = `${ANNOTATION_PREFIX}drain-seconds`;
/** Seconds a preStop hook that is not a plain sleep (httpGet, a script) waits. */
export const PRE_STOP_ANNOTATION = `${ANNOTATION_PREFIX}prestop-seconds`;
/**
 * Seconds the app itself keeps accepting new requests after SIGTERM (a "lame duck" drain in
 * the app) when it has no preStop hook: the delay a preStop would give.
 */
export const SERVES_AFTER_SIGTERM_ANNOTATION = `${ANNOTATION_PREFIX}serves-after-sigterm-seconds`;
/**
 * Per-container drains where containers differ from the pod's: a JSON object of container name
 * to seconds, e.g. `{"cloud-sql-proxy": 30}` (native sidecars, containers with their own drain).
 */
export const CONTAINER_DRAIN_ANNOTATION = `${ANNOTATION_PREFIX}container-drain-seconds`;
/** Per-container preStop delays of hooks that are not a plain sleep: a JSON object of container name to seconds. */
export const CONTAINER_PRE_STOP_ANNOTATION = `${ANNOTATION_PREFIX}container-prestop-seconds`;
/** JSON object of rule id → reason, e.g. `{"GS007":"batch job, downtime is fine"}`. */
export const SUPPRESS_ANNOTATION = `${ANNOTATION_PREFIX}suppress`;

export function nameOf(obj: KubeObject): string {
  return String(obj?.metadata?.name ?? '<unnamed>');
}

export function namespaceOf(obj: KubeObject): string {
  return String(obj?.metadata?.namespace ?? '');
}

/** `Kind 'namespace/name'`, as messages name an object. */
export function describeObject(obj: KubeObject): string {
  const ns = namespaceOf(obj);
  return `${String(obj?.kind ?? '<no kind>')} '${ns ? ns + '/' : ''}${nameOf(obj)}'`;
}
