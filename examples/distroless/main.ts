// A distroless image has no `sleep`: the native preStop sleep action (Kubernetes ≥ 1.30).
import { App, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { GracefulDeployment, GracefulService, KubernetesVersion, PreStop } from 'graceful-k8s';

const app = new App();
const chart = new Chart(app, 'distroless', { namespace: 'payments' });

const payments = new GracefulDeployment(chart, 'payments', {
  containers: [{
    image: 'gcr.io/distroless/static-debian12:nonroot',
    command: ['/payments'],
    portNumber: 8443,
    readiness: kplus.Probe.fromTcpSocket({ port: 8443 }),
  }],
  preStop: PreStop.nativeSleep(),
  kubernetesVersion: KubernetesVersion.of('1.31'),
});

new GracefulService(chart, 'service', { workload: payments });

app.synth();
