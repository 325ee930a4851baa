// The shutdown timeline as a picture: every event of a real timeline has its step, the SVG draws
// each container and finding once, every text is escaped, and `graceful-check -o svg|html`.
import * as fs from 'fs';
import * as path from 'path';
import { checkTexts } from '../src/checks/check-files';
import { ContainerTimeline } from '../src/checks/shutdown-timeline';
import { stepOf, timelineFigure, timelineHtml, timelineSvg } from '../src/checks/timeline-svg';
import { main } from '../src/cli/graceful-check';
import { escapeXml, jsonForScript, ticks } from '../src/render/svg';

const FIXTURES = path.join(__dirname, 'fixtures', 'checker');

function run(args: string[], stdin = ''): { code: number; stdout: string; stderr: string } {
  let stdout = '';
  let stderr = '';
  const code = main(args, { stdout: t => { stdout += t; }, stderr: t => { stderr += t; }, readStdin: () => stdin, cwd: FIXTURES });
  return { code, stdout, stderr };
}

/** Every fixture's timelines, as the checker builds them. */
function fixtureTimelines(): ContainerTimeline[] {
  const texts = fs.readdirSync(FIXTURES).filter(f => f.endsWith('.yaml')).map(f => ({ file: f, text: fs.readFileSync(path.join(FIXTURES, f), 'utf8') }));
  return checkTexts(texts, { timelines: true }).timelines;
}

/** A small timeline with a hostile name and a finding: what the snapshot holds. */
const SMALL: ContainerTimeline = {
  kind: 'Deployment',
  name: 'web<script>alert("x")</script>',
  namespace: 'shop&co',
  container: 'app\'s',
  events: [
    { atSeconds: 0, what: 'pod deleted: endpoint removal starts (proxies stop routing seconds later); preStop sleep 5s starts', broken: [] },
    { atSeconds: 1, what: 'kube-proxy (ClusterIP) (Service \'shop/web\') stops sending new requests (assumed)', broken: [] },
    { atSeconds: 5, what: 'SIGTERM: the app stops accepting and drains (30s declared)', broken: [] },
    { atSeconds: 30, what: 'SIGKILL (terminationGracePeriodSeconds 30): 5s before the drain ends', broken: ['GS005: grace 30s < preStop 5s + drain 30s <b>'] },
    { atSeconds: 35, what: 'drain done', broken: [] },
  ],
};

describe('timeline pictures', () => {
  test('every event of the fixtures\' timelines has a step; each timeline has its deletion, SIGTERM and SIGKILL', () => {
    const timelines = fixtureTimelines();
    expect(timelines.length).toBeGreaterThan(2);
    for (const t of timelines) {
      expect(t.events.filter(e => stepOf(e) === undefined).map(e => e.what)).toEqual([]);
      expect(['deletion', 'sigterm', 'sigkill'].every(s => t.events.some(e => stepOf(e) === s))).toBe(true);
    }
  });

  test('the figure reads the numbers of the events', () => {
    expect(timelineFigure(SMALL)).toEqual({
      title: 'Deployment \'shop&co/web<script>alert("x")</script>\' container \'app\'s\'',
      sigtermAt: 5,
      drainDoneAt: 35,
      sigkillAt: 30,
      lags: [{ at: 1, what: 'kube-proxy (ClusterIP) (Service \'shop/web\') stops sending new requests (assumed)' }],
      preStop: 'preStop sleep 5s starts',
      findings: [{ at: 30, step: 'sigkill', text: 'GS005: grace 30s < preStop 5s + drain 30s <b>' }],
    });
  });

  test('one block per container, one mark per finding, the cut drain drawn past SIGKILL', () => {
    const timelines = fixtureTimelines();
    const svg = timelineSvg(timelines);
    const findings = timelines.reduce((n, t) => n + t.events.reduce((m, e) => m + e.broken.length, 0), 0);
    expect(svg.match(/<g class="container"/g)).toHaveLength(timelines.length);
    expect(svg.match(/<g class="finding"/g)).toHaveLength(findings);
    expect(svg).toContain(`data-containers="${timelines.length}" data-findings="${findings}"`);
    expect(timelineSvg([SMALL])).toContain('class="drain cut"');
  });

  test('every text is escaped: no markup of a name or message reaches the document', () => {
    const svg = timelineSvg([SMALL], { standalone: true });
    expect(svg).not.toContain('<script>');
    expect(svg).not.toContain('<b>');
    expect(svg).toContain('web&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(svg).toContain('shop&amp;co');
    expect(svg).toContain('app&#39;s');
    const html = timelineHtml([SMALL]);
    expect(html).not.toMatch(/<script>|<b>/);
    // The JSON of the numbers cannot end its element, and reads back the same.
    const json = /<script type="application\/json" id="timeline-data">(.*?)<\/script>/s.exec(html)![1];
    expect(json).not.toContain('<');
    expect(JSON.parse(json)[0].title).toBe(timelineFigure(SMALL).title);
  });

  test('escapeXml, jsonForScript and ticks', () => {
    expect(escapeXml('<a href="x">&\'</a>')).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;');
    expect(JSON.parse(jsonForScript({ s: '</script><!--\u2028' }))).toEqual({ s: '</script><!--\u2028' });
    expect(jsonForScript('</script>')).toBe('"\\u003c/script>"');
    expect(ticks(0, 40, 8)).toEqual([0, 5, 10, 15, 20, 25, 30, 35, 40]);
    expect(ticks(-12, 30, 5)).toEqual([-10, 0, 10, 20, 30]);
  });

  test('a small example, as drawn (snapshot)', () => {
    expect(timelineSvg([SMALL], { standalone: true })).toMatchSnapshot();
  });
});

describe('graceful-check -o svg and -o html', () => {
  test('-o svg: the timeline alone as an SVG document (it implies --timeline); the exit code is the findings\'', () => {
    const { code, stdout, stderr } = run(['web-app.yaml', '-o', 'svg']);
    expect(code).toBe(1);
    expect(stderr).toBe('');
    expect(stdout).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(stdout).toContain('Deployment &#39;shop/storefront&#39; container &#39;web&#39;');
    expect(stdout).toContain('data-step="sigkill"');
    expect(run(['web-app.yaml', '-o', 'svg', '--timeline']).stdout).toBe(stdout);
  });

  test('-o html: the picture, a table of its numbers, the findings as text; its numbers are the JSON output\'s', () => {
    const { code, stdout } = run(['web-app.yaml', 'worker.yaml', '-o', 'html']);
    expect(code).toBe(1);
    expect(stdout).toMatch(/^<!DOCTYPE html>/);
    expect(stdout).toContain('<h2 id="findings-heading">Findings</h2>');
    expect(stdout).toContain('GS005');
    const data = JSON.parse(/<script type="application\/json" id="timeline-data">(.*?)<\/script>/s.exec(stdout)![1]);
    const json = JSON.parse(run(['web-app.yaml', 'worker.yaml', '-o', 'json']).stdout);
    expect(data.map((d: any) => [d.sigkillAt, d.findings.length])).toEqual(json.timelines.map((t: ContainerTimeline) => [
      t.events.find(e => e.what.startsWith('SIGKILL'))!.atSeconds, t.events.reduce((n, e) => n + e.broken.length, 0),
    ]));
  });

  test('the text output is unchanged by the pictures; an unknown -o value exits 2 naming it and the choices', () => {
    const text = run(['web-app.yaml', '--timeline']).stdout;
    expect(text).toContain("shutdown of Deployment 'shop/storefront' container 'web':");
    expect(text).not.toContain('<svg');
    const { code, stderr, stdout } = run(['web-app.yaml', '-o', 'png']);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe("graceful-check: --output must be text, ci, json, sarif, svg or html (got 'png'); e.g. -o html --timeline > timeline.html\n");
  });

  test('--help names the picture outputs', () => {
    expect(run(['--help']).stdout).toContain('-o, --output <text|ci|json|sarif|svg|html>');
  });
});
