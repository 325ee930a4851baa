// The seam between this library and one cdk8s-plus major: the only module of src/ that names it.
// Every other module imports cdk8s-plus through here (`import * as kplus from './_kplus'`), so the
// types of our API are the app's own cdk8s-plus types, declaration for declaration: an app's
// `Probe`, `Volume` or `IPodSelector` type-checks with ours without a cast.
//
// One source, one package per cdk8s-plus major (docs/releasing.md, "One package per cdk8s-plus
// major"): `graceful-k8s` is built from src/ as it is; `scripts/variants.js` builds
// `graceful-k8s-33` and `graceful-k8s-34` from a copy of src/ in which it rewrites the three
// quoted package names below, and nothing else, to the other major's (cdk8s-plus-33, -34).
// What a major's types can express natively (native sidecars, gRPC probes) is read here from its
// own exports, so the code compiles against every major and takes the native mechanism where
// the major has it.
import * as kplus from 'cdk8s-plus-27';

export * from 'cdk8s-plus-27';

/** The cdk8s-plus package this build renders through. */
export const PLUS_PACKAGE = 'cdk8s-plus-27';

/**
 * The Kubernetes minor whose API the cdk8s-plus types describe (cdk8s-plus-NN: Kubernetes 1.NN),
 * and so the default target version of the constructs.
 */
export const PLUS_KUBERNETES_MINOR = Number(PLUS_PACKAGE.slice('cdk8s-plus-'.length));

/** What cdk8s-plus majors from 30 on export and cdk8s-plus-27 does not; read, never assumed. */
interface NativeFeatures {
  /** `ContainerRestartPolicy.ALWAYS`: init containers that are native sidecars (cdk8s-plus-30 and later). */
  readonly ContainerRestartPolicy?: { readonly ALWAYS: string };
}

/** What the Probe class of cdk8s-plus-30 and later adds. */
interface NativeProbe {
  readonly fromGrpc?: (options: { port?: number; service?: string } & kplus.ProbeOptions) => kplus.Probe;
}

const native = kplus as unknown as NativeFeatures;

/**
 * The value of `restartPolicy` that makes an init container a native sidecar, when this
 * cdk8s-plus major has it (`ContainerRestartPolicy.ALWAYS`, cdk8s-plus-30 and later); undefined
 * for cdk8s-plus-27, whose containers drop the field.
 */
export const NATIVE_SIDECAR_RESTART_POLICY: string | undefined = native.ContainerRestartPolicy?.ALWAYS;

/**
 * The props of an init container that is a native sidecar in this major: the container props
 * with `restartPolicy: Always` (cdk8s-plus-30 and later); undefined when the major has no such
 * field (cdk8s-plus-27), and the sidecar must be written into the rendered pod instead.
 */
export function nativeSidecarProps(props: kplus.ContainerProps): kplus.ContainerProps | undefined {
  return NATIVE_SIDECAR_RESTART_POLICY === undefined ? undefined : { ...props, restartPolicy: NATIVE_SIDECAR_RESTART_POLICY } as kplus.ContainerProps;
}

/**
 * A gRPC probe: `Probe.fromGrpc` where the major has it (cdk8s-plus-30 and later). cdk8s-plus-27
 * has none, but its Kubernetes 1.27 types have `grpc` (GA in 1.27): there the probe is a TCP
 * socket probe whose rendering is turned into the `grpc` action on the same port.
 */
export function grpcProbe(port: number | undefined, service: string | undefined, timing: kplus.ProbeOptions): kplus.Probe {
  const fromGrpc = (kplus.Probe as unknown as NativeProbe).fromGrpc;
  if (fromGrpc) {
    return fromGrpc({ ...timing, port, service });
  }
  const probe = kplus.Probe.fromTcpSocket({ ...timing, port });
  const asTcp = probe._toKube.bind(probe);
  Object.defineProperty(probe, '_toKube', {
    value: (container: kplus.Container): kplus.k8s.Probe => {
      const { tcpSocket, ...rest } = asTcp(container);
      return { ...rest, grpc: { port: Number(tcpSocket?.port.value), service } };
    },
  });
  return probe;
}
