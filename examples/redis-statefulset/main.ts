// A Redis-style StatefulSet: one volume per pod, a headless Service for peer discovery (where
// publishNotReadyAddresses: true is legitimate) and a client Service (where it is not).
// Rollouts replace one pod at a time from the highest ordinal; `partition` stages them.
import { App, Chart, Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { GracefulService, GracefulStatefulSet } from 'graceful-k8s';

const app = new App();
const chart = new Chart(app, 'redis', { namespace: 'cache' });

const redis = new GracefulStatefulSet(chart, 'redis', {
  replicas: 3,
  containers: [{
    name: 'redis',
    image: 'redis:7.4.1',
    command: ['redis-server', '--appendonly', 'yes'],
    ports: [{ name: 'redis', number: 6379 }],
    readiness: kplus.Probe.fromCommand(['redis-cli', 'ping'], { periodSeconds: Duration.seconds(5) }),
    liveness: kplus.Probe.fromTcpSocket({ port: 6379, failureThreshold: 6 }),
    securityContext: { user: 999, group: 999 },
    resources: { cpu: { request: kplus.Cpu.millis(250) }, memory: { request: Size.mebibytes(512), limit: Size.gibibytes(1) } },
  }],
  volumeClaims: [{ name: 'data', storage: Size.gibibytes(10), mountPath: '/data' }],
  // Redis flushes its append-only file on SIGTERM: give it time.
  shutdown: { drainTimeout: Duration.seconds(30) },
  // Update ordinals 2 and 1 first; lower the partition to 0 to finish the rollout.
  strategy: kplus.StatefulSetUpdateStrategy.rollingUpdate({ partition: 1 }),
});

// The governing headless Service (redis.peerService) is created by the StatefulSet.
new GracefulService(chart, 'client', { workload: redis, ports: [{ name: 'redis', port: 6379, targetPort: 6379 }] });

app.synth();
