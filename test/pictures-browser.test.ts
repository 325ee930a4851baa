// The pictures in a real browser: Debian's chromium (scripts/system-packages.sh installs it),
// driven by playwright-core, which has no install script and downloads no browser: it launches
// /usr/bin/chromium through executablePath. Each page is opened from a file:// URL (nothing on the
// network, not even loopback); a console error, an uncaught exception, a failed request or any
// request besides the page itself fails the test. The lanes and marks the browser lays out are
// counted against the JSON report's numbers. Every wait is for an event (the page's load).
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Browser, chromium, Page } from 'playwright-core';
import { ContainerTimeline } from '../src/checks/shutdown-timeline';
import { main as check } from '../src/cli/graceful-check';
import { DrillReport } from '../src/drill/drill';
import { drillReportHtml, pictureNumbers } from '../src/drill/report/report-html';

const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const DRILL_FIXTURES = path.join(__dirname, 'fixtures', 'drill');
const CHECKER_FIXTURES = path.join(__dirname, 'fixtures', 'checker');

let browser: Browser;
let dir: string;

beforeAll(async () => {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} not found: these tests open the pictures in Debian's chromium; install it with scripts/system-packages.sh `
      + '(apt-get install chromium), or set CHROMIUM to its path');
  }
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pictures-browser-'));
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--headless'], timeout: 20_000 });
}, 30_000);

afterAll(async () => {
  await browser?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** Opens `content` as a file in the browser; what went wrong on the way is in `problems`. */
async function open(name: string, content: string): Promise<{ page: Page; problems: string[] }> {
  const file = path.join(dir, name);
  fs.writeFileSync(file, content);
  const url = `file://${file}`;
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const problems: string[] = [];
  page.on('console', m => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', e => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', r => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
  page.on('request', r => {
    if (r.url() !== url) problems.push(`request besides the page: ${r.url()}`);
  });
  await page.goto(url, { waitUntil: 'load', timeout: 15_000 });
  return { page, problems };
}

const recorded = (name: string): DrillReport => JSON.parse(fs.readFileSync(path.join(DRILL_FIXTURES, name), 'utf8'));

function checker(args: string[]): string {
  let out = '';
  check(args, { stdout: t => { out += t; }, stderr: () => undefined, readStdin: () => '', cwd: CHECKER_FIXTURES });
  return out;
}

describe('the pictures in chromium', () => {
  test('a naive and a graceful drill side by side: a lane per pod and a mark per failure, as the JSON reports say', async () => {
    const runs = [
      { label: 'naive cdk8s-plus Deployment', report: recorded('pictures-naive-rollout.json') },
      { label: 'GracefulDeployment with WebSocket chats', report: recorded('pictures-chat-rollout.json') },
    ];
    // The fixtures are real runs: the naive one failed requests, the other had chats cut.
    expect(runs[0].report.failed).toBeGreaterThan(0);
    expect(runs[1].report.longLived!.cut).toBeGreaterThan(0);
    const { page, problems } = await open('drill.html', drillReportHtml(runs));
    try {
      const sections = page.locator('section.run');
      expect(await sections.count()).toBe(2);
      for (const [i, { report }] of runs.entries()) {
        const section = sections.nth(i);
        const lanes = section.locator('g.pod-lane');
        expect(await lanes.count()).toBe(report.pods.length);
        expect(await section.locator('.failure-mark').count()).toBe(report.failures.length);
        // Each lane is laid out (a box of its own), and carries the failures of its pod.
        const laid = await lanes.evaluateAll(gs => gs.map(g => {
          const box = g.getBoundingClientRect();
          return { pod: g.getAttribute('data-pod'), visible: box.width > 0 && box.height > 0, marks: g.querySelectorAll('.failure-mark').length };
        }));
        expect(laid).toEqual(report.pods.map(p => ({ pod: p.name, visible: true, marks: p.failures })));
        expect(await section.locator('g.long-lived .connection').count()).toBe(report.longLived?.connections.length ?? 0);
        expect(await section.locator('g.long-lived .cut-mark').count()).toBe(report.longLived?.cut ?? 0);
        // Side by side: the two runs share a row at this width.
        expect(await section.evaluate(s => s.getBoundingClientRect().top)).toBe(await sections.first().evaluate(s => s.getBoundingClientRect().top));
        // A screen reader's name and description of the picture.
        const names = await section.locator('svg[role="img"]').evaluate(svg => (svg.getAttribute('aria-labelledby') ?? '').split(' ')
          .map(id => document.getElementById(id)?.textContent ?? ''));
        expect(names[0]).toContain(report.deployment);
        expect(names[1]).toContain(`${report.requests} requests, ${report.failed} failed`);
      }
      const data = JSON.parse(await page.locator('#drill-data').textContent() ?? '');
      expect(data.runs).toEqual(runs.map(pictureNumbers));
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  }, 30_000);

  test('graceful-check -o html and -o svg: a block per container and a mark per finding, as -o json says', async () => {
    const inputs = ['web-app.yaml', 'worker.yaml', 'statefulset.yaml'];
    const timelines: ContainerTimeline[] = JSON.parse(checker([...inputs, '-o', 'json'])).timelines;
    const findings = timelines.reduce((n, t) => n + t.events.reduce((m, e) => m + e.broken.length, 0), 0);
    expect(findings).toBeGreaterThan(0);
    for (const [name, content] of [['timeline.html', checker([...inputs, '-o', 'html'])], ['timeline.svg', checker([...inputs, '-o', 'svg'])]]) {
      const { page, problems } = await open(name, content);
      try {
        expect(await page.locator('g.container').count()).toBe(timelines.length);
        const marks = await page.locator('g.finding circle').evaluateAll(cs => cs.map(c => {
          const box = c.getBoundingClientRect();
          return box.width > 0 && box.height > 0;
        }));
        expect(marks).toEqual(new Array(findings).fill(true));
        expect(await page.locator('g.container').evaluateAll(gs => gs.map(g => Number(g.getAttribute('data-sigkill')))))
          .toEqual(timelines.map(t => t.events.find(e => e.what.startsWith('SIGKILL'))!.atSeconds));
        expect(problems).toEqual([]);
      } finally {
        await page.close();
      }
    }
  }, 30_000);
});
