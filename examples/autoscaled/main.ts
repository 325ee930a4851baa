// An autoscaled service: HPA v2 owns the replica count, the PDB stays consistent with it.
import { App, Chart, Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { GracefulDeployment, GracefulService } from 'graceful-k8s';

const app = new App();
const chart = new Chart(app, 'autoscaled', { namespace: 'search' });

const search = new GracefulDeployment(chart, 'search', {
  containers: [{
    image: 'ghcr.io/acme/search:5.1.0',
    portNumber: 9000,
    readiness: kplus.Probe.fromHttpGet('/ready'),
    liveness: kplus.Probe.fromHttpGet('/healthz', { failureThreshold: 6 }),
    resources: { cpu: { request: kplus.Cpu.millis(500) } },
  }],
  autoscaling: {
    minReplicas: 3,
    maxReplicas: 30,
    metrics: [kplus.Metric.resourceCpu(kplus.MetricTarget.averageUtilization(60))],
    scaleDownStabilization: Duration.minutes(10),
  },
});

new GracefulService(chart, 'service', { workload: search });

app.synth();
