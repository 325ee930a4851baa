// Node drains and autoscaler scale-downs with real processes at a short time scale: the
// GracefulDeployment drops nothing, what cdk8s-plus renders by default does.
import { GRACEFUL_APP, expectNoFailures, gracefulManifest, naiveManifest } from './drill-manifests';
import { runDrill } from '../src/drill/drill';

const SCALE = 0.2;
// The app's shutdown delay is real time: scaled, it is 1 manifest second.
const APP_ENV = { CLOSE_DELAY_MS: String(1000 * SCALE) };
// Lag up to the preStop less 2 s: 0.4 s real of margin (plus the app's 0.2 s before it stops
// listening) for timer slip on a loaded machine.
const common = {
  exec: GRACEFUL_APP, env: APP_ENV, timeScale: SCALE, lag: { min: 1, max: 3 }, rate: 150, warmupSeconds: 3, settleSeconds: 5, nodes: 3,
};

describe('--scenario drain', () => {
  test('GracefulDeployment: the PodDisruptionBudget paces the evictions; 0 failed requests', async () => {
    const report = await runDrill(gracefulManifest(4), { ...common, scenario: 'drain' });
    const drain = report.drain!;
    expect(drain.timedOut).toBe(false);
    // 4 pods on 3 nodes, spread: the drained node had 2; the second waited for the first's replacement.
    expect(drain.nodes).toEqual(['node-1']);
    expect(report.nodes.map(n => n.pods)).toEqual([2, 1, 1]);
    expect(drain.podsEvicted).toBe(2);
    expect(drain.evictionsRefused).toBeGreaterThanOrEqual(1);
    // One retry (5 s) plus the second pod's preStop (5 s) and drain.
    expect(drain.drainSeconds!).toBeGreaterThan(10);
    expect(report.requests).toBeGreaterThan(500);
    expectNoFailures(report);
  }, 90_000);

  test('naive cdk8s-plus Deployment: no PDB, no preStop: the node\'s pods go at once and requests fail', async () => {
    // New connections keep coming (as from many clients), and proxies learn of the eviction 2-4 s
    // late while the app stops listening 1 s after SIGTERM: some go to a closed port.
    const report = await runDrill(naiveManifest(4), { ...common, scenario: 'drain', lag: { min: 2, max: 4 }, rate: 300, requestsPerConnection: 5 });
    const drain = report.drain!;
    expect(drain.evictionsRefused).toBe(0);
    expect(drain.podsEvicted).toBe(2);
    expect(report.failed).toBeGreaterThan(0);
    expect(report.failuresByPhase.before).toBe(0);
    const drained = new Set(report.pods.filter(p => p.node === 'node-1' && p.revision === 1).map(p => p.name));
    expect(report.failures.every(f => f.pod !== undefined && drained.has(f.pod))).toBe(true);
  }, 90_000);
});

describe('--scenario scale-down', () => {
  test('GracefulDeployment 4 -> 2: the remaining pods take the load; 0 failed requests', async () => {
    const report = await runDrill(gracefulManifest(4), { ...common, scenario: 'scale-down', scaleTo: 2 });
    const s = report.scaleDown!;
    expect([s.from, s.to, s.victims.length, s.timedOut]).toEqual([4, 2, 2, false]);
    // node-1 had 2 of the 4 pods: the ReplicaSet controller takes the co-located ones first.
    const victims = report.pods.filter(p => s.victims.includes(p.name));
    expect(victims.every(p => p.node === 'node-1')).toBe(true);
    expectNoFailures(report);
  }, 90_000);

  test('naive cdk8s-plus Deployment 4 -> 2: requests fail on the removed pods', async () => {
    const report = await runDrill(naiveManifest(4), { ...common, scenario: 'scale-down', scaleTo: 2, lag: { min: 2, max: 4 }, rate: 300, requestsPerConnection: 5 });
    expect(report.scaleDown!.victims).toHaveLength(2);
    expect(report.failed).toBeGreaterThan(0);
    expect(report.failures.every(f => report.scaleDown!.victims.includes(f.pod!))).toBe(true);
  }, 90_000);
});
