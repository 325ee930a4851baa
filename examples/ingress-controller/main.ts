// An ingress controller as a DaemonSet bound to node ports 80/443, behind a cloud load balancer
// that health-checks each node (externalTrafficPolicy: Local). Host ports forbid a surge pod,
// so each node's pod stops before its replacement starts: the preStop covers the load
// balancer's health checks (TrafficPath.nodeLocal), so it stops sending to the node first.
import { App, Chart, Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { GracefulDaemonSet, GracefulService, TrafficPath } from 'graceful-k8s';

const app = new App();
const chart = new Chart(app, 'edge', { namespace: 'ingress' });

const controller = new GracefulDaemonSet(chart, 'controller', {
  containers: [{
    name: 'proxy',
    image: 'ghcr.io/acme/edge-proxy:3.1.0',
    ports: [
      { name: 'http', number: 8080, hostPort: 80 },
      { name: 'https', number: 8443, hostPort: 443 },
    ],
    readiness: kplus.Probe.fromHttpGet('/healthz', { port: 8080, periodSeconds: Duration.seconds(2) }),
    liveness: kplus.Probe.fromHttpGet('/livez', { port: 8080, failureThreshold: 5 }),
  }],
  // Long-lived client connections: a longer drain.
  shutdown: { drainTimeout: Duration.seconds(30) },
});

// The load balancer checks each node's health check node port every 8 s and gives up after 3
// failures (GKE's defaults): preStop 8 × 3 + 1 + 10 = 35 s.
new GracefulService(chart, 'lb', {
  workload: controller,
  ports: [{ name: 'http', port: 80, targetPort: 8080 }, { name: 'https', port: 443, targetPort: 8443 }],
  trafficPaths: [TrafficPath.nodeLocal({ healthCheckInterval: Duration.seconds(8), unhealthyThreshold: 3 })],
});

app.synth();
