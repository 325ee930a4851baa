// The drill report as a picture (report-html.ts), the numbers it adds to the report (per second,
// endpoints, long-lived spans), the live progress line, and `graceful-drill --html` through the
// CLI: refusals before anything starts, and one short real drill whose page holds the JSON's numbers.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as yaml from 'js-yaml';
import { GRACEFUL_APP, gracefulManifest } from './drill-manifests';
import { main } from '../src/cli/graceful-drill';
import { DrillReport, PodReport } from '../src/drill/drill';
import { DrillProgress, formatProgress, ProgressLine } from '../src/drill/report/progress';
import { endpointSpans, perSecond } from '../src/drill/report/report';
import { drillReportHtml, drillRunSvg, pictureNumbers, podLane } from '../src/drill/report/report-html';
import { ProxyUpdate } from '../src/drill/traffic/data-plane';
import { RequestRecord } from '../src/drill/traffic/load-generator';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'drill-pictures-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function pod(name: string, revision: number, events: Array<[number, string]>, failures = 0): PodReport {
  return {
    name,
    revision,
    node: 'node-1',
    restarts: 0,
    requestsServed: 10,
    failures,
    events: events.map(([at, what]) => ({ at, what })),
    endpoints: [{ proxy: 'kube-proxy', from: events[0][0] + 1.5, to: revision === 1 ? 1 : undefined }],
  };
}

/** A small, fixed report: two old pods (one killed at the end of its grace period), one new, three failures (one of no known pod), a long-lived client. */
function smallReport(podName = 'web-r1-0'): DrillReport {
  const old = (name: string, killed: boolean) => pod(name, 1, [
    [-5, 'created'], [-5, 'scheduled on node-1'], [-4, 'ready'], [0.5, 'deleted (grace 10s)'], [0.6, 'preStop sleep starts'],
    [5.6, 'preStop sleep after 5.0s'], [5.6, 'SIGTERM'], ...(killed ? [[10.6, 'SIGKILL (grace period over)'] as [number, string]] : []),
    [killed ? 10.6 : 7, `container exited (${killed ? 'SIGKILL' : 'code 0'})`], [killed ? 10.7 : 7.1, 'gone'],
  ], killed ? 0 : 2);
  return {
    scenario: 'rollout',
    kind: 'Deployment',
    deployment: 'web',
    replicas: 2,
    replicasFrom: 'spec.replicas',
    strategy: { type: 'RollingUpdate', surge: 1, unavailable: 0, minReadySeconds: 0 },
    graceSeconds: 10,
    preStop: 'sleep 5s',
    dataPlane: 'kube-proxy',
    dataPlaneText: 'kube-proxy',
    entrypoint: { serving: 'node server.js as PID 1', isolation: 'pid-namespace' },
    timeScale: 1,
    lag: { min: 0, max: 1 },
    reconcileLatency: { min: 0.01, max: 0.05 },
    seed: 1,
    wallPhase: 0,
    requests: 40,
    failed: 3,
    unfinished: 0,
    failuresByClass: { 'refused': 1, 'reset': 2, 'timeout': 0, '5xx': 0 },
    failuresByPhase: { before: 0, during: 3, after: 0 },
    byMethod: { GET: { requests: 36, failed: 3 }, POST: { requests: 4, failed: 0 } },
    retried: 0,
    peakPods: 3,
    peakTerminating: 1,
    nodes: [{ name: 'node-1', cordoned: false, pods: 2 }],
    pods: [old(podName, false), old('web-r1-1', true), pod('web-r2-2', 2, [[0, 'created'], [1, 'ready']])],
    failures: [
      { id: 7, sentAt: 1.2, method: 'GET', failureClass: 'reset', phase: 'during', pod: podName, detail: 'ECONNRESET' },
      { id: 8, sentAt: 1.4, method: 'GET', failureClass: 'reset', phase: 'during', pod: podName, detail: 'ECONNRESET' },
      { id: 9, sentAt: 2, method: 'GET', failureClass: 'refused', phase: 'during', detail: 'ECONNREFUSED' },
    ],
    perSecond: [
      { at: -1, offered: 10, failed: 0 }, { at: 0, offered: 10, failed: 0 }, { at: 1, offered: 10, failed: 2 }, { at: 2, offered: 10, failed: 1 },
    ],
    longLived: {
      kind: 'websocket',
      path: '/chat',
      clients: 1,
      opened: 2,
      cut: 1,
      clientsCut: 1,
      cutsByPhase: { before: 0, during: 1, after: 0 },
      cuts: [{ client: 0, at: 5.6, pod: 'web-r1-1', phase: 'during' }],
      failedAttempts: 0,
      reconnects: 1,
      reconnectsByRelease: { 'revision 2': 1 },
      newSessionsByRelease: {},
      openAtEnd: 1,
      connections: [{ client: 0, pod: 'web-r1-1', openedAt: -3, endedAt: 5.6, end: 'cut' }, { client: 0, pod: 'web-r2-2', openedAt: 6.6, end: 'open' }],
    },
  };
}

const count = (html: string, re: RegExp) => (html.match(re) ?? []).length;
const embedded = (html: string) => JSON.parse(/<script type="application\/json" id="drill-data">(.*?)<\/script>/s.exec(html)![1]);

describe('the numbers the picture needs, in the report', () => {
  test('perSecond counts requests and failures by the drill second they were sent in', () => {
    const r = (id: number, sentAt: number, unfinished = false) => ({ id, sentAt, target: 0, method: 'GET', lateMs: 0, unfinished }) as RequestRecord;
    const records = [r(1, 99.5), r(2, 100.2), r(3, 100.9), r(4, 102.1), r(5, 102.5, true)];
    const failures = [{ id: 3, sentAt: 0.9 }] as any;
    expect(perSecond(records, failures, 100)).toEqual([
      { at: -1, offered: 1, failed: 0 }, { at: 0, offered: 2, failed: 1 }, { at: 1, offered: 0, failed: 0 }, { at: 2, offered: 1, failed: 0 },
    ]);
    expect(perSecond([], [], 0)).toEqual([]);
  });

  test('endpointSpans: a span per proxy while the pod is ready in its view', () => {
    const u = (at: number, name: string, ready: boolean, proxy?: string, present = true): ProxyUpdate => ({
      at, publishedAt: at, proxy, state: { pod: name, port: 1, ready, serving: ready, terminating: !ready, present },
    });
    const spans = endpointSpans([
      u(1, 'a', true, 'kube-proxy on node-1'), u(2, 'a', true, 'kube-proxy on node-2'), u(5, 'a', false, 'kube-proxy on node-1'),
      u(6, 'a', false, 'kube-proxy on node-2', false), u(3, 'b', true),
    ], 'kube-proxy', t => t - 1);
    expect(spans.get('a')).toEqual([{ proxy: 'kube-proxy on node-1', from: 0, to: 4 }, { proxy: 'kube-proxy on node-2', from: 1, to: 5 }]);
    expect(spans.get('b')).toEqual([{ proxy: 'kube-proxy', from: 2 }]);
  });
});

describe('the drill picture', () => {
  test('podLane reads created, ready, deleted, preStop, SIGTERM, exit and SIGKILL from the events', () => {
    const [drained, killed, fresh] = smallReport().pods.map(podLane);
    expect(drained).toMatchObject({
      createdAt: -5, ready: [{ from: -4, to: 0.5 }], deletedAt: 0.5, preStopAt: 0.6, sigtermAt: 5.6, exitAt: 7, goneAt: 7.1,
    });
    expect(drained.killedAt).toBeUndefined();
    expect(killed).toMatchObject({ killedAt: 10.6, killedBy: 'grace period', exitAt: 10.6 });
    expect(fresh).toMatchObject({ createdAt: 0, ready: [{ from: 1 }], deletedAt: undefined });
  });

  test('a lane per pod, grouped by revision; a mark per failure on its pod, or with no known pod', () => {
    const svg = drillRunSvg({ label: 'graceful', report: smallReport() });
    expect(count(svg, /<g class="pod-lane"/g)).toBe(3);
    expect(count(svg, /class="failure-mark"/g)).toBe(3);
    expect(svg).toContain('data-pod="web-r1-0" data-revision="1" data-failures="2"');
    expect(svg).toContain('<g class="unattributed" data-failures="1">');
    expect(count(svg, /<g class="revision"/g)).toBe(2);
    expect(count(svg, /class="killed"/g)).toBe(1);
    expect(svg).toContain('<g class="long-lived" data-connections="2" data-cut="1">');
    expect(count(svg, /class="cut-mark"/g)).toBe(1);
  });

  test('3 pods get thick, labelled lanes; 300 get thin ones within the same height, labelled by revision', () => {
    const few = drillRunSvg({ label: 'few', report: smallReport() });
    expect(few).toContain('data-lane-height="16"');
    expect(few).toContain('class="pod-name"');
    const base = smallReport();
    const many = { ...base, pods: Array.from({ length: 300 }, (_, i) => ({ ...base.pods[i % 3], name: `web-${i}`, revision: i < 150 ? 1 : 2 })) };
    const svg = drillRunSvg({ label: 'many', report: many });
    expect(Number(/data-lane-height="(\d+)"/.exec(svg)![1])).toBe(2);
    expect(count(svg, /<g class="pod-lane"/g)).toBe(300);
    expect(svg).not.toContain('class="pod-name"');
    expect(svg).toContain('revision 2: 150 pod(s)');
    const height = (s: string) => Number(/viewBox="0 0 \d+ (\d+)"/.exec(s)![1]);
    expect(height(svg)).toBeLessThan(900);
  });

  test('5,000 long-lived clients share 160 rows: the chart keeps its height', () => {
    const base = smallReport();
    const connections = Array.from({ length: 5000 }, (_, client) => ({ client, openedAt: 0, endedAt: 3, end: 'closed' as const }));
    const svg = drillRunSvg({ label: 'many clients', report: { ...base, longLived: { ...base.longLived!, clients: 5000, connections } } });
    expect(svg).toContain('5000 clients on 160 rows');
    expect(count(svg, /<g class="connection closed"/g)).toBe(5000);
    expect(Number(/viewBox="0 0 \d+ (\d+)"/.exec(svg)![1])).toBeLessThan(1000);
  });

  test('two runs stand side by side, each with its numbers; the embedded numbers are the report\'s', () => {
    const naive = { ...smallReport(), failed: 40 };
    const html = drillReportHtml([{ label: 'naive', report: naive }, { label: 'graceful', report: smallReport() }]);
    expect(count(html, /<section class="run/g)).toBe(2);
    expect(html).toContain('data-label="naive" data-requests="40" data-failed="40" data-pods="3"');
    expect(embedded(html).runs).toEqual([pictureNumbers({ label: 'naive', report: naive }), pictureNumbers({ label: 'graceful', report: smallReport() })]);
    expect(embedded(html).runs[1]).toMatchObject({ requests: 40, failed: 3, pods: 3, failureMarks: 3, podFailures: { 'web-r1-0': 2, 'web-r1-1': 0 } });
  });

  test('self-contained and accessible: nothing fetched, a title and description per picture, hidden tables of its numbers', () => {
    const html = drillReportHtml([{ label: 'graceful', report: smallReport() }]);
    expect(html).not.toMatch(/\b(src|href)=|@import|url\(|<link|<script(?! type="application\/json")/);
    expect(html).toContain('<meta http-equiv="Content-Security-Policy" content="default-src \'none\'');
    expect(html).toMatch(/<svg [^>]*role="img" aria-labelledby="r0-title r0-desc"/);
    expect(html).toContain('<desc id="r0-desc">3 pod(s)');
    expect(html).toContain('<div class="visually-hidden"><table id="r0-pods">');
    expect(html).toContain('<tr><th scope="row">web-r1-1</th><td>1</td><td>-5s</td><td>-4s</td><td>kube-proxy -3.5s-1s</td><td>0.5s</td><td>0.6s</td>'
      + '<td>5.6s</td><td>10.6s</td><td>10.6s (grace period)</td><td>10</td><td>0</td></tr>');
  });

  test('every text is escaped: a pod name or label with markup stays text, the JSON cannot end its element', () => {
    const hostile = '<img src=x onerror=alert(1)></script>&';
    const html = drillReportHtml([{ label: `run ${hostile}`, report: smallReport(hostile) }]);
    expect(html).not.toContain('<img');
    expect(html).not.toMatch(/<\/script>&/);
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;&lt;/script&gt;&amp;');
    expect(embedded(html).runs[0].label).toBe(`run ${hostile}`);
    expect(Object.keys(embedded(html).runs[0].podFailures)).toContain(hostile);
  });

  test('a small example, as drawn (snapshot)', () => {
    expect(drillReportHtml([{ label: 'graceful', report: smallReport() }], 'small')).toMatchSnapshot();
  });
});

describe('the live progress line', () => {
  const progress: DrillProgress = { phase: 'rollout', seconds: 12.34, running: 3, ready: 2, terminating: 1, requests: 12345, failures: 0 };

  test('formatProgress: phase, pods, requests, failures; cut to the terminal\'s width', () => {
    expect(formatProgress(progress)).toBe('graceful-drill [rollout 12.3s] pods 3 running (2 ready), 1 terminating | requests 12,345 | failures 0');
    const cut = formatProgress(progress, 40);
    expect(cut).toHaveLength(39);
    expect(cut.endsWith('…')).toBe(true);
    // A terminal of width 0 (a pty that does not tell) gets the whole line.
    expect(formatProgress(progress, 0)).toBe(formatProgress(progress));
  });

  test('on a terminal: rewritten with \\r, at most every interval unless the phase changes; cleared before other output', () => {
    const writes: string[] = [];
    let now = 0;
    const line = new ProgressLine({ isTTY: true, columns: 200, write: t => writes.push(t) }, 250, () => now);
    line.update(progress);
    now = 100;
    line.update({ ...progress, requests: 1 });
    line.update({ ...progress, phase: 'settling' });
    now = 400;
    line.update({ ...progress, phase: 'settling', requests: 2 });
    line.clear();
    line.clear();
    const shown = (p: DrillProgress) => `\r${formatProgress(p, 200)}\u001b[K`;
    expect(writes).toEqual([
      shown(progress), shown({ ...progress, phase: 'settling' }), shown({ ...progress, phase: 'settling', requests: 2 }), '\r\u001b[K',
    ]);
  });

  test('off a terminal: nothing', () => {
    const writes: string[] = [];
    const line = new ProgressLine({ isTTY: false, write: t => writes.push(t) });
    line.update(progress);
    line.clear();
    expect(writes).toEqual([]);
  });
});

describe('graceful-drill --html', () => {
  async function cli(argv: string[], isTTY = false): Promise<{ code: number; out: string; err: string; terminal: string }> {
    let out = '';
    let err = '';
    let terminal = '';
    const code = await main(argv, t => { out += t; }, t => { err += t; }, undefined, { isTTY, columns: 200, write: t => { terminal += t; } });
    return { code, out, err, terminal };
  }

  test('refuses a file it cannot write before anything starts: what, the value, how to fix it (exit 2)', async () => {
    const file = path.join(dir, 'graceful.yaml');
    fs.writeFileSync(file, gracefulManifest(2).map(o => yaml.dump(o)).join('---\n'));
    const base = [file, '--exec', GRACEFUL_APP];
    const missing = await cli([...base, '--html', path.join(dir, 'no-such-dir', 'r.html')]);
    expect(missing.code).toBe(2);
    expect(missing.err).toBe(`graceful-drill: '--html' (${path.join(dir, 'no-such-dir', 'r.html')}): the directory ${path.join(dir, 'no-such-dir')} does not exist; `
      + 'create it, or pass a file in an existing directory, e.g. --html drill-report.html\n');
    const directory = await cli([...base, '--html', dir]);
    expect(directory.code).toBe(2);
    expect(directory.err).toBe(`graceful-drill: '--html' (${dir}) is a directory; pass a file in it, e.g. --html drill-report.html\n`);
    const empty = await cli([...base, '--html', '']);
    expect(empty.code).toBe(2);
    expect(empty.err).toContain("'--html' takes a file to write the picture to (got ''); pass a file in an existing directory, e.g. --html drill-report.html");
    expect((await cli(['--help'])).out).toContain('--html <file>');
  });

  test('a real drill: the page holds the JSON report\'s numbers; off a terminal nothing but the report; on one a live line', async () => {
    const file = path.join(dir, 'graceful.yaml');
    fs.writeFileSync(file, gracefulManifest(2).map(o => yaml.dump(o)).join('---\n'));
    const html = path.join(dir, 'report.html');
    const common = [file, '--exec', GRACEFUL_APP, '--env', 'CLOSE_DELAY_MS=200', '--time-scale', '0.2', '--lag', '0-2', '--warmup', '1', '--settle', '1', '--rate', '50'];
    const json = await cli([...common, '--json', '--html', html]);
    expect(json.code).toBe(0);
    expect(json.terminal).toBe('');
    expect(json.out).not.toContain('\r');
    const report: DrillReport = JSON.parse(json.out);
    const page = fs.readFileSync(html, 'utf8');
    expect(embedded(page).runs).toEqual([pictureNumbers({ label: "Deployment '" + report.deployment + "', rollout", report })]);
    expect(report.perSecond.reduce((n, s) => n + s.offered, 0)).toBe(report.requests);
    expect(report.pods.filter(p => p.endpoints.length > 0)).toHaveLength(report.pods.length);
    expect(count(page, /<g class="pod-lane"/g)).toBe(report.pods.length);

    // On a terminal: the phases as they change (each shown at once), then the line erased before the report.
    const tty = await cli(common, true);
    expect(tty.code).toBe(0);
    expect(tty.terminal).toMatch(/^\rgraceful-drill \[starting /);
    expect(tty.terminal).toContain('\rgraceful-drill [rollout ');
    expect(tty.terminal).toContain('\rgraceful-drill [settling ');
    expect(tty.terminal.endsWith('\r\u001b[K')).toBe(true);
    expect(tty.out).not.toContain('\r');
  }, 60_000);
});
