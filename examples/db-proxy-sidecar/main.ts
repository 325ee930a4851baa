// An API that reaches its database through the Cloud SQL Auth Proxy, run as a native sidecar:
// started before the API, stopped only after the API has drained (Kubernetes >= 1.29), so the
// API's last requests still reach the database. The grace period covers the API's preStop +
// drain, then the proxy's drain.
import { App, Chart, Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { GracefulDeployment, GracefulService, KubernetesVersion, TrafficPath } from 'graceful-k8s';

const app = new App();
const chart = new Chart(app, 'orders', { namespace: 'shop' });

const orders = new GracefulDeployment(chart, 'orders-api', {
  replicas: 3,
  containers: [{
    name: 'api',
    image: 'ghcr.io/acme/orders-api:3.8.0',
    ports: [{ name: 'http', number: 8080 }],
    envVariables: { DATABASE_URL: kplus.EnvValue.fromValue('postgres://orders@127.0.0.1:5432/orders') },
    readiness: kplus.Probe.fromHttpGet('/ready', { port: 8080 }),
    liveness: kplus.Probe.fromHttpGet('/healthz', { port: 8080, failureThreshold: 6 }),
  }],
  sidecars: [{
    name: 'cloud-sql-proxy',
    image: 'gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.14.1',
    args: ['--port=5432', '--max-sigterm-delay=30s', 'acme-prod:europe-west1:orders'],
    resources: { cpu: { request: kplus.Cpu.millis(100) }, memory: { request: Size.mebibytes(64) } },
    // Matches --max-sigterm-delay: connections still open after the API exited get 30 s.
    shutdown: { drainTimeout: Duration.seconds(30) },
  }],
  kubernetesVersion: KubernetesVersion.V1_29,
  shutdown: { drainTimeout: Duration.seconds(20) },
});

new GracefulService(chart, 'service', {
  workload: orders,
  ports: [{ name: 'http', port: 80, targetPort: 8080 }],
  trafficPaths: [TrafficPath.ingressNginx()],
}).addIngress('/orders', { host: 'shop.example.com' });

app.synth();
