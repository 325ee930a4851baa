// A RainbowDeployment's release change replayed with real processes: the Service switches to
// the new release, the old one keeps its chats until they end, then it is scaled to zero. No
// chat is cut, and every connection opened after the proxy learned of the switch is on the new
// release. With a drain-for shorter than the chats, the old release is scaled to zero anyway.
import * as path from 'path';
import { Duration, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { RainbowDeployment, RainbowRelease, RainbowScaleToZero, ReleaseState } from '../src';
import { chatDrillOptions, CHAT_APP, expectNoFailures, expectAtLeastSecondsApart } from './drill-manifests';
import { runDrill } from '../src/drill/drill';
import { switchRouting } from '../src/drill/scenarios/rainbow';
import { LongLivedConnection } from '../src/drill/traffic/long-lived';
import { rainbowSpecOf, withReleaseReplicas } from '../src/drill/workload/rainbow-spec';

const SCALE = 0.2;

function chat(releases: RainbowRelease[], options: { drainFor?: Duration; cooldown?: Duration } = {}) {
  const chart = Testing.chart();
  new RainbowDeployment(chart, 'chat', {
    metadata: { name: 'chat' },
    autoscaling: { minReplicas: 2, maxReplicas: 2 },
    minReady: Duration.seconds(1),
    container: {
      portNumber: 8080,
      readiness: kplus.Probe.fromHttpGet('/ready', { periodSeconds: Duration.seconds(1) }),
      startup: kplus.Probe.fromTcpSocket({ periodSeconds: Duration.seconds(1), failureThreshold: 30 }),
    },
    shutdown: { preStopDelay: Duration.seconds(2), drainTimeout: Duration.seconds(5) },
    drainFor: options.drainFor ?? Duration.minutes(5),
    scaleToZero: RainbowScaleToZero.prometheus({
      serverAddress: 'http://prometheus.monitoring.svc:9090',
      query: 'sum(chat_open_connections{release="{{release}}"})',
      cooldown: options.cooldown ?? Duration.seconds(2),
    }),
    releases,
  });
  return Testing.synth(chart);
}

const switched = (o: { drainFor?: Duration; cooldown?: Duration } = {}) => chat([
  RainbowRelease.fromImage('ghcr.io/acme/chat:1.4.0', ReleaseState.DRAINING),
  RainbowRelease.fromImage('ghcr.io/acme/chat:1.5.0', ReleaseState.ACTIVE),
], o);

const common = { ...chatDrillOptions(SCALE, 55), scenario: 'rainbow' as const };

describe('--scenario rainbow', () => {
  test('chats end on the old release, none is cut; new chats after the switch go to the new release only; idle, it is scaled to zero', async () => {
    const report = await runDrill(switched(), { ...common, longLived: { connections: 16, sessionSeconds: 8 } });
    const rb = report.rainbow!;
    const l = report.longLived!;
    expect([rb.from, rb.to, rb.fromDeployment, rb.toDeployment]).toEqual(['1-4-0', '1-5-0', 'chat-1-4-0', 'chat-1-5-0']);
    expect(rb.timedOut).toBe(false);
    expect(l.cut).toBe(0);
    expect(l.failedAttempts).toBe(0);
    expect(rb.routing!.afterSwitch.total).toBeGreaterThan(5);
    expect(rb.routing!.afterSwitch.onOld).toBe(0);
    expect(l.newSessionsByRelease['1-5-0']).toBeGreaterThan(5);
    // The old release went once its last chat ended and the cooldown (2 s) passed, long before drain-for (300 s).
    expect(rb.scaledBecause).toBe('idle');
    expectAtLeastSecondsApart(rb.scaledToZeroAt!, rb.idleAt!, 2);
    // Idle is an event (the last old chat closed), not a time: it came long before drain-for
    // (300 s), however late a busy machine ran the 8 s chats.
    expect(rb.idleAt!).toBeLessThan(rb.switchAt! + 300 / 2);
    expect(report.pods.filter(p => p.name.startsWith('chat-1-4-0')).every(p => p.events.some(e => e.what === 'gone'))).toBe(true);
    expectNoFailures(report);
  }, 60_000);

  test('drain-for shorter than the chats: the old release is scaled to zero at the bound and its chats are cut, and reconnect to the new release', async () => {
    const report = await runDrill(switched({ drainFor: Duration.seconds(6) }), { ...common, longLived: { connections: 8 } });
    const rb = report.rainbow!;
    const l = report.longLived!;
    expect(rb.drainForSeconds).toBe(6);
    expect(rb.scaledBecause).toBe('drain-for');
    expectAtLeastSecondsApart(rb.scaledToZeroAt!, rb.switchAt!, 6);
    expect(l.clientsCut).toBe(8);
    expect(l.cuts.every(c => c.release === '1-4-0')).toBe(true);
    expect(l.reconnectsByRelease).toEqual({ '1-5-0': l.reconnects });
  }, 60_000);
});

describe('the rainbow scenario reads the manifest', () => {
  test('after the commit (draining + active) and before it (active + staged)', () => {
    const after = rainbowSpecOf(switched());
    expect([after.from.release, after.to.release, after.drainForSeconds, after.cooldownSeconds]).toEqual(['1-4-0', '1-5-0', 300, 2]);
    // Replicas owned by the autoscaler: its minReplicas.
    expect([after.from.spec.replicas, after.to.spec.replicas]).toEqual([2, 2]);
    const before = rainbowSpecOf(chat([
      RainbowRelease.fromImage('ghcr.io/acme/chat:1.4.0', ReleaseState.ACTIVE),
      RainbowRelease.fromImage('ghcr.io/acme/chat:1.5.0', ReleaseState.STAGED),
    ]));
    expect([before.from.release, before.to.release]).toEqual(['1-4-0', '1-5-0']);
  });

  test('two draining releases: --deployment picks the one to drain, else the error says so', () => {
    const objects = chat([
      RainbowRelease.fromImage('ghcr.io/acme/chat:1.3.0', ReleaseState.DRAINING),
      RainbowRelease.fromImage('ghcr.io/acme/chat:1.4.0', ReleaseState.DRAINING),
      RainbowRelease.fromImage('ghcr.io/acme/chat:1.5.0', ReleaseState.ACTIVE),
    ]);
    expect(() => rainbowSpecOf(objects)).toThrow('draining: chat-1-3-0, chat-1-4-0; choose the release to drain with --deployment <name>');
    expect(rainbowSpecOf(objects, 'chat-1-3-0').from.release).toBe('1-3-0');
  });

  test('a plain Deployment is refused with what the scenario needs', async () => {
    const objects = withReleaseReplicas([{ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: {} }]);
    expect(objects[0].spec.replicas).toBeUndefined();
    await expect(runDrill(objects, { exec: 'true', scenario: 'rainbow' })).rejects.toThrow('the rainbow scenario needs one release to switch to and one to switch from');
  });

  test('switchRouting splits the connections opened after the switch at the moment the proxy learned of it', () => {
    const c = (startedAt: number, pod: string): LongLivedConnection => ({ client: 0, reason: 'new-session', startedAt, openedAt: startedAt, pod });
    const routing = switchRouting([c(1, 'old-0'), c(5, 'old-0'), c(5.5, 'new-0'), c(7, 'new-1'), c(9, 'new-0')], 4, 6, p => p.split('-')[0], 'new');
    expect(routing).toEqual({ afterSwitch: { total: 2, onNew: 2, onOld: 0 }, duringLag: { total: 2, onNew: 1, onOld: 1 } });
  });
});
