// Long-lived connections next to the HTTP load: WebSocket chats and event streams of the chat
// server, held open through the proxy; a rolling update cuts the ones on old pods (the server
// closes them at SIGTERM), the clients reconnect through the Service.
import * as path from 'path';
import { Duration, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { GracefulDeployment, GracefulService } from '../src';
import { chatDrillOptions, CHAT_APP, expectNoFailures } from './drill-manifests';
import { main } from '../src/cli/graceful-drill';
import { runDrill, drillOptionProblems } from '../src/drill/drill';
import { longLivedReport } from '../src/drill/report/long-lived-report';
import { closeCode, LongLivedConnection, longLivedPath, maskedFrame } from '../src/drill/traffic/long-lived';

const SCALE = 0.2;

/** The chat server as a GracefulDeployment (preStop 3 s, readiness every second) behind its Service. */
function chatManifest(replicas: number) {
  const chart = Testing.chart();
  const d = new GracefulDeployment(chart, 'chat', {
    replicas,
    minReady: Duration.seconds(1),
    shutdown: { preStopDelay: Duration.seconds(3), drainTimeout: Duration.seconds(5) },
    containers: [{
      image: 'ghcr.io/acme/chat:1',
      portNumber: 8080,
      readiness: kplus.Probe.fromHttpGet('/ready', { periodSeconds: Duration.seconds(1) }),
      startup: kplus.Probe.fromTcpSocket({ periodSeconds: Duration.seconds(1), failureThreshold: 30 }),
    }],
  });
  new GracefulService(chart, 'svc', { workload: d });
  return Testing.synth(chart);
}

const common = chatDrillOptions(SCALE, 50);

describe('long-lived connections through a rolling update', () => {
  test('WebSocket: every chat on an old pod is cut at its SIGTERM (close 1001) and reconnects to a ready pod', async () => {
    const report = await runDrill(chatManifest(3), { ...common, longLived: { connections: 12, kind: 'websocket' } });
    const l = report.longLived!;
    expect(report.rollout!.timedOut).toBe(false);
    expect([l.kind, l.path, l.clients]).toEqual(['websocket', '/chat', 12]);
    // Chats last the whole run: each client was on a revision 1 pod, and every such pod went.
    expect(l.clientsCut).toBe(12);
    expect(l.cutsByPhase.before).toBe(0);
    const oldPods = new Set(report.pods.filter(p => p.revision === 1).map(p => p.name));
    expect(l.cuts.every(c => c.pod !== undefined && oldPods.has(c.pod) && c.release === 'revision 1')).toBe(true);
    expect(l.cuts.every(c => c.detail === 'close frame 1001')).toBe(true);
    // Every cut client came back; the last reconnections land on the new revision.
    expect(l.reconnects).toBeGreaterThanOrEqual(12);
    expect(l.reconnectsByRelease['revision 2']).toBeGreaterThan(0);
    expect(l.openAtEnd).toBe(12);
    expectNoFailures(report);
  }, 60_000);

  test('SSE: the event stream ends with `event: reconnect` at SIGTERM', async () => {
    const report = await runDrill(chatManifest(2), { ...common, longLived: { connections: 6, kind: 'sse' } });
    const l = report.longLived!;
    expect(l.path).toBe('/events');
    expect(l.clientsCut).toBe(6);
    expect(l.cuts.some(c => c.detail === 'event: reconnect')).toBe(true);
    expect(l.openAtEnd).toBe(6);
  }, 60_000);
});

describe('long-lived pieces', () => {
  test('closeCode finds a server close frame after text frames', () => {
    const text = Buffer.from([0x81, 0x02, 0x68, 0x69]);
    const close = Buffer.from([0x88, 0x02, 0x03, 0xe9]);
    expect(closeCode(Buffer.concat([text, close]))).toBe(1001);
    expect(closeCode(text)).toBeUndefined();
    expect(closeCode(Buffer.from([0x88, 0x00]))).toBe(1005);
  });

  test('maskedFrame masks the payload with the key it carries (RFC 6455 5.3)', () => {
    const frame = maskedFrame(0x8, Buffer.from([0x03, 0xe8]));
    expect([frame[0], frame[1]]).toEqual([0x88, 0x82]);
    const mask = frame.subarray(2, 6);
    // eslint-disable-next-line no-bitwise -- unmasking is an XOR
    expect([...frame.subarray(6)].map((b, i) => b ^ mask[i % 4])).toEqual([0x03, 0xe8]);
  });

  test('default paths follow the chat server', () => {
    expect(longLivedPath({ connections: 1 })).toBe('/chat');
    expect(longLivedPath({ connections: 1, kind: 'sse' })).toBe('/events');
    expect(longLivedPath({ connections: 1, kind: 'sse', path: '/stream' })).toBe('/stream');
  });

  test('longLivedReport counts cuts by phase and reconnections by release', () => {
    const c = (o: Partial<LongLivedConnection> & { client: number }): LongLivedConnection => ({ reason: 'first', startedAt: 0, ...o });
    const connections = [
      c({ client: 0, openedAt: 1, pod: 'a', end: 'cut', endedAt: 12, detail: 'close frame 1001' }),
      c({ client: 0, reason: 'reconnect', startedAt: 13, end: 'failed', endedAt: 13, detail: 'ECONNRESET' }),
      c({ client: 0, reason: 'reconnect', startedAt: 14, openedAt: 14, pod: 'b', end: 'client', endedAt: 30 }),
      c({ client: 1, openedAt: 1, pod: 'a', end: 'cut', endedAt: 25 }),
      c({ client: 2, openedAt: 1, pod: 'b', end: 'client', endedAt: 30 }),
    ];
    const report = longLivedReport(connections, {
      kind: 'websocket', path: '/chat', clients: 3, scenarioAt: 10, doneAt: 20, stoppedAt: 30, releaseOf: p => (p === 'a' ? 'old' : 'new'),
    });
    expect(report).toMatchObject({
      opened: 4,
      cut: 2,
      clientsCut: 2,
      failedAttempts: 1,
      reconnects: 1,
      reconnectsByRelease: { new: 1 },
      openAtEnd: 2,
      cutsByPhase: { before: 0, during: 1, after: 1 },
    });
    expect(report.cuts[0]).toEqual({ client: 0, at: 2, pod: 'a', release: 'old', phase: 'during', detail: 'close frame 1001' });
  });
});

describe('long-lived options are checked before anything starts', () => {
  test.each([
    [{ connections: -1 }, "'--long-lived' (-1) must be a whole number from 1 to 5000; give the number of WebSocket or event-stream connections to hold open, e.g. 50"],
    [{ connections: 2.5 }, "'--long-lived' (2.5) must be a whole number"],
    [{ connections: 5, kind: 'grpc' as any }, "'--long-lived-kind' (grpc) must be one of websocket, sse; e.g. --long-lived-kind websocket"],
    [{ connections: 5, path: 'chat' }, "'--long-lived-path' (chat) must be a path starting with '/'; e.g. --long-lived-path /chat"],
    [{ connections: 5, reconnectSeconds: -1 }, "'--long-lived-reconnect' (-1) must be a number from 0 to 600"],
    [{ connections: 5, sessionSeconds: 0 }, "'--long-lived-session' (0) must be a number above 0"],
  ])('%j is refused', (longLived, message) => {
    expect(drillOptionProblems({ exec: 'node app.js', longLived }).join('\n')).toContain(message);
  });

  test('the CLI refuses a long-lived flag without --long-lived, and a bad kind, with exit 2', async () => {
    const run = async (argv: string[]) => {
      let err = '';
      const code = await main(argv, () => undefined, t => { err += t; });
      return { code, err };
    };
    expect(await run(['x.yaml', '--exec', 'true', '--long-lived-kind', 'sse']))
      .toEqual({ code: 2, err: expect.stringContaining("'--long-lived-kind' needs '--long-lived <n>'") });
    expect(await run(['x.yaml', '--exec', 'true', '--long-lived', 'many']))
      .toEqual({ code: 2, err: expect.stringContaining("'--long-lived' takes a number (got 'many')") });
    let out = '';
    await main(['--help'], t => { out += t; }, () => undefined);
    for (const flag of ['--long-lived <n>', '--long-lived-kind', '--long-lived-path', 'rainbow']) expect(out).toContain(flag);
  });
});
