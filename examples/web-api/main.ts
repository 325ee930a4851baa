// A web API behind an Ingress: GracefulDeployment + GracefulService + Ingress.
import { App, Chart, Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { GracefulDeployment, GracefulService } from 'graceful-k8s';

const app = new App();
const chart = new Chart(app, 'web-api', { namespace: 'shop' });

const api = new GracefulDeployment(chart, 'api', {
  replicas: 3,
  containers: [{
    image: 'ghcr.io/acme/shop-api:2.3.1',
    portNumber: 8080,
    readiness: kplus.Probe.fromHttpGet('/ready', { periodSeconds: Duration.seconds(5) }),
    liveness: kplus.Probe.fromHttpGet('/healthz', { failureThreshold: 6 }),
  }],
  // Behind ingress-nginx (≈ 4.3 s worst-case lag) the 15 s default preStop has room to spare.
  shutdown: { drainTimeout: Duration.seconds(20) },
});

const service = new GracefulService(chart, 'service', {
  workload: api,
  ports: [{ name: 'http', port: 80, targetPort: 8080 }],
});
service.exposeViaIngress('/api');

app.synth();
