// The same API behind three traffic paths: ingress-nginx, an AWS ALB (IP targets) and GKE
// container-native load balancing. Each chart is one YAML set; the preStop delay, grace period
// and load balancer drain follow the path in front (compare the three dist/*.k8s.yaml).
import { App, Chart, Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { GracefulDeployment, GracefulService, TrafficPath } from 'graceful-k8s';

const app = new App();

function api(name: string, path: TrafficPath): void {
  const chart = new Chart(app, name, { namespace: 'shop' });
  const deployment = new GracefulDeployment(chart, 'api', {
    replicas: 3,
    containers: [{
      image: 'ghcr.io/acme/shop-api:2.3.1',
      portNumber: 8080,
      readiness: kplus.Probe.fromHttpGet('/ready', { periodSeconds: Duration.seconds(5) }),
      liveness: kplus.Probe.fromHttpGet('/healthz', { failureThreshold: 6 }),
    }],
    // No preStopDelay: it is derived from the path in front.
    shutdown: { drainTimeout: Duration.seconds(20) },
  });
  const service = new GracefulService(chart, 'service', {
    workload: deployment,
    ports: [{ name: 'http', port: 80, targetPort: 8080 }],
    trafficPaths: [path],
  });
  service.addIngress('/', { host: 'shop.example.com', tlsSecret: kplus.Secret.fromSecretName(chart, 'tls', 'shop-example-com-tls') });
}

api('api-ingress-nginx', TrafficPath.ingressNginx());
api('api-aws-alb', TrafficPath.awsAlb());
api('api-gke', TrafficPath.gkeNeg());

app.synth();
