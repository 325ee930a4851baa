// nginx in front of a server-side renderer, in one pod. nginx's graceful stop is SIGQUIT
// (`nginx -s quit`), not SIGTERM (its fast shutdown). The official nginx image declares
// STOPSIGNAL SIGQUIT, so a plain sleep preStop is enough there; this image (bitnami/nginx)
// declares none, so the preStop waits, asks nginx to quit and waits for it (PreStop.sleepThen).
// The renderer, nginx's upstream, keeps serving 5 s longer than nginx.
import { App, Chart, Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { GracefulDeployment, GracefulService, PreStop } from 'graceful-k8s';

const app = new App();
const chart = new Chart(app, 'storefront', { namespace: 'shop' });

const web = new GracefulDeployment(chart, 'web', {
  replicas: 3,
  containers: [
    {
      name: 'nginx',
      image: 'docker.io/bitnami/nginx:1.25.4',
      ports: [{ name: 'http', number: 8080 }],
      readiness: kplus.Probe.fromHttpGet('/healthz', { port: 8080 }),
      // bitnami/nginx writes its pid and temp files under /opt/bitnami/nginx.
      securityContext: { readOnlyRootFilesystem: false },
    },
    {
      name: 'renderer',
      image: 'ghcr.io/acme/storefront-ssr:2.9.0',
      command: ['node', 'server.js'],
      ports: [{ name: 'ssr', number: 3000 }],
      readiness: kplus.Probe.fromHttpGet('/ready', { port: 3000 }),
    },
  ],
  containerPreStop: { nginx: PreStop.sleepThen(['nginx', '-s', 'quit']) },
  containerShutdown: { renderer: { preStopDelay: Duration.seconds(20) } },
});

new GracefulService(chart, 'service', {
  workload: web,
  ports: [{ name: 'http', port: 80, targetPort: 8080 }],
}).addIngress('/', { host: 'shop.example.com' });

app.synth();
