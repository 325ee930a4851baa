// A queue worker with long jobs: a long drain, no Service, a startup probe for a slow boot.
import { App, Chart, Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { GracefulDeployment } from 'graceful-k8s';

const app = new App();
const chart = new Chart(app, 'worker', { namespace: 'jobs' });

new GracefulDeployment(chart, 'video-encoder', {
  replicas: 4,
  containers: [{
    image: 'ghcr.io/acme/video-encoder:7.0.0',
    // The binary runs directly (PID 1), so SIGTERM reaches it: it stops taking jobs and
    // finishes the current one within the drain.
    command: ['/usr/local/bin/encoder', '--queue', 'videos'],
    readiness: kplus.Probe.fromCommand(['/usr/local/bin/encoder', 'ready']),
    liveness: kplus.Probe.fromCommand(['/usr/local/bin/encoder', 'alive'], { failureThreshold: 6 }),
    resources: { cpu: { request: kplus.Cpu.units(2) }, memory: { request: Size.gibibytes(4) } },
  }],
  // No Service sends it traffic, so a short preStop; the drain covers the longest job.
  shutdown: { preStopDelay: Duration.seconds(5), drainTimeout: Duration.minutes(10) },
  // The encoder loads models for up to 3 minutes: liveness must not kill it meanwhile.
  startupTimeout: Duration.minutes(3),
});

app.synth();
