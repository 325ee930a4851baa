// A WebSocket chat server as a rainbow deployment: every release is a Deployment of its own,
// the Service sends new connections to the active release only, a draining release keeps its
// chats open until they end and is then scaled to zero by KEDA, a retired release is pruned.
//
// Changing the active release is a change of two states (1.5.0: ACTIVE → DRAINING, 1.6.0: STAGED
// → ACTIVE), one commit; retiring a drained release is one more. No pod template ever changes.
import { App, Chart, Duration, Size, YamlOutputType } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { RainbowDeployment, RainbowRelease, RainbowScaleToZero, ReleaseState } from 'graceful-k8s';

// One file per object (dist/<kind>.<name>.k8s.yaml): each release's Deployment, PDB and autoscaler
// carry its version in their names, so in a GitOps pull request a new release is new files and a
// retired one deleted files, instead of one file in which 1.4.0 seems to become 1.5.0.
const app = new App({ yamlOutputType: YamlOutputType.FILE_PER_RESOURCE });
const chart = new Chart(app, 'websocket-chat', { namespace: 'chat' });

const chat = new RainbowDeployment(chart, 'chat', {
  metadata: { name: 'chat' },
  // Everything but the image; each release adds its own (examples/drill-apps/websocket-chat-server.js).
  container: {
    portNumber: 8080,
    readiness: kplus.Probe.fromHttpGet('/ready', { periodSeconds: Duration.seconds(5) }),
    liveness: kplus.Probe.fromHttpGet('/healthz', { failureThreshold: 6 }),
    resources: { cpu: { request: kplus.Cpu.millis(250) }, memory: { request: Size.mebibytes(256), limit: Size.mebibytes(512) } },
    envVariables: { RELEASE: kplus.EnvValue.fromFieldRef(kplus.EnvFieldPaths.POD_LABEL, { key: 'graceful-k8s.io/release' }) },
  },
  // The app's own shutdown (close frames, 10 s for clients to leave), not the chats' lifetime:
  // a release's chats end while it drains, long before its pods are stopped.
  shutdown: { drainTimeout: Duration.seconds(10) },
  autoscaling: { minReplicas: 3, maxReplicas: 20 },
  // A draining release is idle when Prometheus counts none of its connections for 10 minutes.
  scaleToZero: RainbowScaleToZero.prometheus({
    serverAddress: 'http://prometheus-operated.monitoring.svc:9090',
    query: 'sum(chat_open_connections{namespace="{{namespace}}", release="{{release}}"})',
    cooldown: Duration.minutes(10),
  }),
  drainFor: Duration.hours(24),
  releases: [
    RainbowRelease.fromImage('ghcr.io/acme/chat:1.3.0', ReleaseState.RETIRED),
    RainbowRelease.fromImage('ghcr.io/acme/chat:1.4.0', ReleaseState.DRAINING),
    RainbowRelease.fromImage('ghcr.io/acme/chat:1.5.0', ReleaseState.ACTIVE),
  ],
});
const ingress = chat.addIngress('/chat', { host: 'chat.example.com', name: 'chat' });
// ingress-nginx closes a WebSocket that is quiet for 60 s by default; chats stay open for hours.
ingress.metadata.addAnnotation('nginx.ingress.kubernetes.io/proxy-read-timeout', '3600');
ingress.metadata.addAnnotation('nginx.ingress.kubernetes.io/proxy-send-timeout', '3600');

app.synth();
