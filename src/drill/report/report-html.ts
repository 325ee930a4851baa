// The drill report as a picture (`graceful-drill --html <file>`): one self-contained HTML page,
// inline SVG and CSS, nothing fetched. Per run, a lane per pod over time (created, ready, in each
// proxy's endpoints, preStop, SIGTERM, draining, exit or SIGKILL) with each failed request marked
// at its time on its pod; below, the requests offered and failed per second, and the long-lived
// connections as bars that end cut or closed. Several runs (naive and graceful) stand side by side.
// Pure: reports in, text out; every text from the report is escaped. The numbers are the JSON
// report's, also embedded as JSON (`#drill-data`) and in data- attributes.

import { DrillReport, PodReport } from './report';
import { escapeXml, htmlPage, jsonForScript, num, secondsLabel, ticks } from '../../render/svg';

/** One run to draw, and what to call it (`naive cdk8s-plus Deployment`). */
export interface DrillPictureRun {
  readonly label: string;
  readonly report: DrillReport;
}

/** What a pod's events say, in seconds from the scenario's start. */
export interface PodLane {
  readonly name: string;
  readonly revision: number;
  readonly createdAt?: number;
  /** Spans its Ready condition was true (`to` absent: still at the end). */
  readonly ready: Array<{ readonly from: number; readonly to?: number }>;
  readonly deletedAt?: number;
  readonly preStopAt?: number;
  readonly sigtermAt?: number;
  /** The serving container's exit: drained (or killed, with `killed`). */
  readonly exitAt?: number;
  /** SIGKILL: the grace period ran out, or the drill crashed the pod. */
  readonly killedAt?: number;
  readonly killedBy?: 'grace period' | 'crash';
  readonly goneAt?: number;
  readonly endpoints: PodReport['endpoints'];
}

/** Reads a pod's events (pod-sim's and container-sim's wording; a sidecar's carry its name first). */
export function podLane(p: PodReport): PodLane {
  const first = (test: (what: string) => boolean) => p.events.find(e => test(e.what))?.at;
  const ready: Array<{ from: number; to?: number }> = [];
  for (const e of p.events) {
    const open = ready.length > 0 && ready[ready.length - 1].to === undefined;
    if (e.what === 'ready' && !open) {ready.push({ from: e.at });} else if (open && (e.what === 'not ready' || e.what.startsWith('deleted') || e.what === 'gone' || e.what.startsWith('container exited')
      || e.what.startsWith('crash'))) {
      ready[ready.length - 1].to = e.at;
    }
  }
  const grace = first(w => w === 'SIGKILL (grace period over)');
  const crash = first(w => w.startsWith('crash'));
  const killedAt = grace ?? crash;
  return {
    name: p.name,
    revision: p.revision,
    createdAt: first(w => w === 'created'),
    ready,
    deletedAt: first(w => w.startsWith('deleted')),
    preStopAt: first(w => /^preStop \S+ starts$/.test(w)),
    sigtermAt: first(w => w === 'SIGTERM'),
    exitAt: first(w => w.startsWith('container exited')),
    killedAt,
    killedBy: killedAt === undefined ? undefined : grace !== undefined ? 'grace period' : 'crash',
    goneAt: first(w => w === 'gone'),
    endpoints: p.endpoints ?? [],
  };
}

/** The numbers the page shows for a run, as the JSON report has them: what the browser test holds equal. */
export function pictureNumbers(run: DrillPictureRun) {
  const r = run.report;
  return {
    label: run.label,
    scenario: r.scenario,
    workload: `${r.kind}/${r.deployment}`,
    requests: r.requests,
    failed: r.failed,
    failuresByClass: r.failuresByClass,
    failuresByPhase: r.failuresByPhase,
    pods: r.pods.length,
    podFailures: Object.fromEntries(r.pods.map(p => [p.name, p.failures])),
    failureMarks: r.failures.length,
    perSecond: r.perSecond ?? [],
    longLived: r.longLived ? { opened: r.longLived.opened, cut: r.longLived.cut, connections: (r.longLived.connections ?? []).length } : null,
  };
}

const WIDTH = 900;
const LABEL = 170;
const PLOT = WIDTH - LABEL - 20;
/** The pod lanes take at most this height: more pods, thinner lanes. */
const LANES_MAX = 480;
const LANE_MAX = 16;
const LANE_MIN = 2;
const GROUP_HEADER = 18;
const RATE_HEIGHT = 110;
const CLIENTS_MAX = 160;

/** The seconds a run's picture spans. */
function span(r: DrillReport, lanes: PodLane[]): { from: number; to: number } {
  const times = [0];
  for (const l of lanes) {
    const spans = [...l.ready, ...l.endpoints].flatMap(s => [s.from, s.to]);
    for (const t of [l.createdAt, l.goneAt, l.exitAt, l.killedAt, ...spans]) {
      if (t !== undefined) times.push(t);
    }
  }
  for (const s of r.perSecond ?? []) times.push(s.at, s.at + 1);
  for (const f of r.failures) times.push(f.sentAt);
  for (const c of r.longLived?.connections ?? []) times.push(c.openedAt, ...(c.endedAt === undefined ? [] : [c.endedAt]));
  const from = Math.min(...times);
  const to = Math.max(...times);
  return { from, to: to > from ? to : from + 1 };
}

/** The lanes' groups: one per revision (ReplicaSet, or release of a rainbow), in order. */
function groups(lanes: PodLane[]): Array<{ revision: number; lanes: PodLane[] }> {
  const byRevision = new Map<number, PodLane[]>();
  for (const l of lanes) byRevision.set(l.revision, [...(byRevision.get(l.revision) ?? []), l]);
  return [...byRevision.entries()].sort((a, b) => a[0] - b[0]).map(([revision, list]) => ({ revision, lanes: list }));
}

interface Scale {
  readonly x: (t: number) => number;
  readonly from: number;
  readonly to: number;
}

function rect(cls: string, x0: number, y: number, x1: number, h: number, title?: string): string {
  return `<rect class="${cls}" x="${num(x0)}" y="${num(y)}" width="${num(Math.max(x1 - x0, 1))}" height="${num(h)}">`
    + `${title ? `<title>${escapeXml(title)}</title>` : ''}</rect>`;
}

/** One pod's lane at y, h high. */
function lane(l: PodLane, s: Scale, y: number, h: number, failuresOnPod: number[], showLabel: boolean, titles: boolean): string {
  const { x } = s;
  const end = s.to;
  const out: string[] = [`<g class="pod-lane" data-pod="${escapeXml(l.name)}" data-revision="${l.revision}" data-failures="${failuresOnPod.length}">`];
  if (showLabel) out.push(`<text class="pod-name" x="${LABEL - 6}" y="${num(y + h / 2 + 4)}" text-anchor="end">${escapeXml(l.name)}</text>`);
  // Endpoints in the top part of the lane; the pod's states below.
  const epH = h >= 6 ? Math.max(1, h * 0.25) : 0;
  const barY = y + epH + (epH ? 1 : 0);
  const barH = h - epH - (epH ? 1 : 0);
  const lifeEnd = l.goneAt ?? l.exitAt ?? l.killedAt ?? end;
  if (l.createdAt !== undefined) {
    out.push(rect('starting', x(l.createdAt), barY, x(l.ready[0]?.from ?? lifeEnd), barH, titles ? `${l.name}: created at ${secondsLabel(l.createdAt)}` : undefined));
  }
  for (const r of l.ready) {
    out.push(rect('ready', x(r.from), barY, x(r.to ?? lifeEnd), barH, titles ? `${l.name}: ready ${secondsLabel(r.from)} to ${r.to === undefined ? 'the end' : secondsLabel(r.to)}` : undefined));
  }
  if (l.preStopAt !== undefined) {
    out.push(rect('prestop', x(l.preStopAt), barY, x(l.sigtermAt ?? l.exitAt ?? lifeEnd), barH,
      titles ? `${l.name}: preStop from ${secondsLabel(l.preStopAt)}` : undefined));
  }
  if (l.sigtermAt !== undefined) {
    out.push(rect('draining', x(l.sigtermAt), barY, x(l.exitAt ?? l.killedAt ?? lifeEnd), barH,
      titles ? `${l.name}: SIGTERM at ${secondsLabel(l.sigtermAt)}, draining until ${l.exitAt === undefined ? '?' : secondsLabel(l.exitAt)}` : undefined));
  }
  if (epH) {
    for (const e of l.endpoints) {
      out.push(rect('endpoint', x(e.from), y, x(e.to ?? lifeEnd), epH, titles ? `${l.name} in ${e.proxy}'s endpoints ${secondsLabel(e.from)} to ${e.to === undefined ? 'the end' : secondsLabel(e.to)}` : undefined));
    }
  }
  if (l.deletedAt !== undefined) out.push(`<path class="deleted" d="M${num(x(l.deletedAt))} ${num(y)}v${num(h)}"/>`);
  if (l.killedAt !== undefined) {
    out.push(`<path class="killed" d="M${num(x(l.killedAt) - 3)} ${num(barY)}l6 ${num(barH)}m0 ${num(-barH)}l-6 ${num(barH)}">`
      + `<title>${escapeXml(`${l.name}: SIGKILL (${l.killedBy}) at ${secondsLabel(l.killedAt)}`)}</title></path>`);
  } else if (l.exitAt !== undefined) {
    out.push(`<circle class="exited" cx="${num(x(l.exitAt))}" cy="${num(barY + barH / 2)}" r="${num(Math.max(1, Math.min(3, barH / 2)))}"/>`);
  }
  // At least 6 px tall, centred on the lane: a failure stays visible on a lane of 2 px.
  const markH = Math.max(h, 6);
  for (const at of failuresOnPod) {
    out.push(`<path class="failure-mark" d="M${num(x(at))} ${num(y + h / 2 - markH / 2)}v${num(markH)}"/>`);
  }
  out.push('</g>');
  return out.join('');
}

/** The failures of each pod, and those of no known pod. */
function failuresByPod(r: DrillReport): { byPod: Map<string, number[]>; unattributed: number[] } {
  const names = new Set(r.pods.map(p => p.name));
  const byPod = new Map<string, number[]>();
  const unattributed: number[] = [];
  for (const f of r.failures) {
    if (f.pod !== undefined && names.has(f.pod)) byPod.set(f.pod, [...(byPod.get(f.pod) ?? []), f.sentAt]);
    else unattributed.push(f.sentAt);
  }
  return { byPod, unattributed };
}

function axis(s: Scale, y: number, top: number): string {
  const out: string[] = [];
  for (const t of ticks(s.from, s.to, 10)) {
    out.push(`<path class="grid" d="M${num(s.x(t))} ${num(top)}V${num(y)}"/>`);
    out.push(`<text class="tick" x="${num(s.x(t))}" y="${num(y + 13)}" text-anchor="middle">${secondsLabel(t)}</text>`);
  }
  return out.join('');
}

/** The requests offered and failed per second, bars at y, RATE_HEIGHT high. */
function rateChart(r: DrillReport, s: Scale, y: number): string {
  const seconds = r.perSecond ?? [];
  const max = Math.max(1, ...seconds.map(p => p.offered));
  const h = RATE_HEIGHT - 20;
  const base = y + 16 + h;
  const yOf = (n: number) => base - (n / max) * h;
  const out = [`<g class="rate-chart" data-seconds="${seconds.length}">`,
    `<text class="section" x="8" y="${num(y + 12)}">${r.timeScale === 1 ? 'requests per second: offered, failed'
      : `requests per drill second (${r.timeScale} real s): offered, failed`}</text>`,
    `<text class="tick" x="${LABEL - 6}" y="${num(yOf(max) + 8)}" text-anchor="end">${max}/s</text>`,
    `<text class="tick" x="${LABEL - 6}" y="${num(base)}" text-anchor="end">0</text>`];
  const w = Math.max(1, s.x(1) - s.x(0) - 1);
  for (const p of seconds) {
    out.push(`<rect class="offered" x="${num(s.x(p.at))}" y="${num(yOf(p.offered))}" width="${num(w)}" height="${num(base - yOf(p.offered))}">`
      + `<title>${p.offered} offered, ${p.failed} failed in ${secondsLabel(p.at)} to ${secondsLabel(p.at + 1)}</title></rect>`);
    if (p.failed > 0) {
      // At least 2 px: one failure among 1,000 stays visible.
      const top = Math.min(yOf(p.failed), base - 2);
      out.push(`<rect class="failed" x="${num(s.x(p.at))}" y="${num(top)}" width="${num(w)}" height="${num(base - top)}"/>`);
    }
  }
  out.push(`<path class="axis" d="M${LABEL} ${num(base)}H${LABEL + PLOT}"/>`, '</g>');
  return out.join('');
}

/** The long-lived connections: a row per client, a bar per connection, ending cut (✗) or closed. */
function longLivedChart(r: DrillReport, s: Scale, y: number): { svg: string; height: number } {
  const l = r.longLived;
  const connections = l?.connections ?? [];
  if (!l) return { svg: '', height: 0 };
  // At most CLIENTS_MAX rows of at least 1 px: past that, clients share rows.
  const rows = Math.max(1, Math.min(l.clients, CLIENTS_MAX));
  const rowH = Math.max(1, Math.min(10, Math.floor(CLIENTS_MAX / rows)));
  const rowOf = (client: number) => Math.min(rows - 1, Math.floor((client * rows) / Math.max(1, l.clients)));
  const top = y + 18;
  const out = [`<g class="long-lived" data-connections="${connections.length}" data-cut="${l.cut}">`,
    `<text class="section" x="8" y="${num(y + 12)}">${escapeXml(`long-lived ${l.kind} connections, ${rows < l.clients ? `${l.clients} clients on ${rows} rows` : 'one row per client'}: ${l.cut} cut, ${l.opened} opened`)}</text>`];
  for (const c of connections) {
    const cy = top + rowOf(c.client) * rowH;
    const end = c.endedAt ?? s.to;
    out.push(`<g class="connection ${c.end}" data-end="${c.end}">${rect('conn', s.x(c.openedAt), cy + 1, s.x(end), Math.max(1, rowH - 2),
      `client ${c.client} on ${c.pod ?? '?'}: opened ${secondsLabel(c.openedAt)}, ${c.end === 'open' ? 'still open' : `${c.end} at ${secondsLabel(end)}`}`)}`
      + `${c.end === 'cut' ? `<path class="cut-mark" d="M${num(s.x(end) - 3)} ${num(cy)}l6 ${rowH}m0 ${-rowH}l-6 ${rowH}"/>` : ''}</g>`);
  }
  out.push('</g>');
  return { svg: out.join(''), height: 18 + rowH * rows + 6 };
}

const SVG_CSS = `
.pod-name,.tick,.group,.section{font:11px system-ui,sans-serif;fill:#333}
.group,.section{font-weight:600}
.starting{fill:#c9c9c9}
.ready{fill:#7cc47c}
.prestop{fill:#f2b84b}
.draining{fill:#4f8fd6}
.endpoint{fill:#2e6b2e}
.deleted{stroke:#111;stroke-width:1.5}
.killed,.cut-mark{stroke:#b00020;stroke-width:2;fill:none}
.exited{fill:#111}
.failure-mark{stroke:#e00034;stroke-width:1.5}
.grid{stroke:#e4e4e4}
.scenario-start{stroke:#111;stroke-dasharray:5 3}
.offered{fill:#b9c4d0}
.failed{fill:#e00034}
.axis{stroke:#777}
.conn{fill:#9e7cc4}
.connection.cut .conn{fill:#c47c9e}`;

/** One run's SVG: the lanes, the requests per second, the long-lived connections. */
export function drillRunSvg(run: DrillPictureRun, index = 0): string {
  const r = run.report;
  const lanes = r.pods.map(podLane);
  const { from, to } = span(r, lanes);
  const x = (t: number) => LABEL + ((Math.max(from, Math.min(t, to)) - from) / (to - from)) * PLOT;
  const s: Scale = { x, from, to };
  const { byPod, unattributed } = failuresByPod(r);
  const grouped = groups(lanes);
  const laneH = Math.max(LANE_MIN, Math.min(LANE_MAX, Math.floor((LANES_MAX - GROUP_HEADER * grouped.length) / Math.max(1, lanes.length))));
  const gap = laneH >= 8 ? 2 : 0;
  const showLabels = laneH >= 10;
  const titles = lanes.length <= 60;
  const body: string[] = [];
  let y = 26;
  const lanesTop = y;
  for (const g of grouped) {
    body.push(`<text class="group" x="8" y="${num(y + 13)}">${escapeXml(`revision ${g.revision}: ${g.lanes.length} pod(s)`)}</text>`);
    y += GROUP_HEADER;
    body.push(`<g class="revision" data-revision="${g.revision}" data-pods="${g.lanes.length}">`);
    for (const l of g.lanes) {
      body.push(lane(l, s, y, laneH, byPod.get(l.name) ?? [], showLabels, titles));
      y += laneH + gap;
    }
    body.push('</g>');
  }
  if (unattributed.length > 0) {
    body.push(`<g class="unattributed" data-failures="${unattributed.length}"><text class="group" x="8" y="${num(y + 11)}">no known pod</text>`
      + `${unattributed.map(at => `<path class="failure-mark" d="M${num(x(at))} ${num(y)}v12"/>`).join('')}</g>`);
    y += 16;
  }
  const lanesBottom = y;
  y += 18;
  const rate = rateChart(r, s, y);
  y += RATE_HEIGHT;
  const long = longLivedChart(r, s, y + 6);
  y += long.height + 10;
  const height = Math.ceil(y);
  const p = `r${index}`;
  const desc = `${r.pods.length} pod(s) over ${secondsLabel(to - from)} (t=0: the ${r.scenario} starts); ${r.requests} requests, ${r.failed} failed `
    + `(refused ${r.failuresByClass.refused}, reset ${r.failuresByClass.reset}, timeout ${r.failuresByClass.timeout}, 5xx ${r.failuresByClass['5xx']})`
    + `${r.longLived ? `; ${r.longLived.opened} long-lived connection(s) opened, ${r.longLived.cut} cut` : ''}. The table after the picture has every pod's times.`;
  return `<svg xmlns="http://www.w3.org/2000/svg" class="drill-run" viewBox="0 0 ${WIDTH} ${height}" width="100%" role="img" `
    + `aria-labelledby="${p}-title ${p}-desc" data-pods="${r.pods.length}" data-failure-marks="${r.failures.length}" data-lane-height="${laneH}">\n`
    + `<title id="${p}-title">${escapeXml(`${run.label}: ${r.scenario} of ${r.kind} '${r.deployment}'`)}</title>\n`
    + `<desc id="${p}-desc">${escapeXml(desc)}</desc>\n<style>${SVG_CSS}</style>\n`
    + `<text class="section" x="8" y="14">pods over time (seconds from the ${escapeXml(r.scenario)}'s start)</text>\n`
    + `${axis(s, lanesBottom + 2, lanesTop)}\n`
    + `<path class="scenario-start" d="M${num(x(0))} ${lanesTop}V${num(lanesBottom + 2)}"><title>t=0s: the ${escapeXml(r.scenario)} starts</title></path>\n`
    + `${body.join('\n')}\n${rate}\n${long.svg}\n</svg>`;
}

const t = (v: number | undefined) => (v === undefined ? '' : secondsLabel(v));

/** Every pod's times and the requests per second as tables, hidden from sight, for screen readers. */
function runTables(run: DrillPictureRun, index: number): string {
  const r = run.report;
  const rows = r.pods.map(p => {
    const l = podLane(p);
    return `<tr><th scope="row">${escapeXml(p.name)}</th><td>${p.revision}</td><td>${t(l.createdAt)}</td><td>${t(l.ready[0]?.from)}</td>`
      + `<td>${escapeXml(l.endpoints.map(e => `${e.proxy} ${secondsLabel(e.from)}-${e.to === undefined ? 'end' : secondsLabel(e.to)}`).join('; '))}</td>`
      + `<td>${t(l.deletedAt)}</td><td>${t(l.preStopAt)}</td><td>${t(l.sigtermAt)}</td><td>${t(l.exitAt)}</td><td>${l.killedAt === undefined ? '' : `${t(l.killedAt)} (${l.killedBy})`}</td>`
      + `<td>${p.requestsServed}</td><td>${p.failures}</td></tr>`;
  });
  const seconds = (r.perSecond ?? []).map(s => `<tr><th scope="row">${secondsLabel(s.at)}</th><td>${s.offered}</td><td>${s.failed}</td></tr>`);
  // In a hidden box, not hidden themselves: a table is as wide as its cells whatever its width says.
  return `<div class="visually-hidden"><table id="r${index}-pods"><caption>${escapeXml(run.label)}: pods, seconds from the scenario's start</caption>`
    + '<thead><tr><th scope="col">pod</th><th scope="col">revision</th><th scope="col">created</th><th scope="col">ready</th><th scope="col">in endpoints</th>'
    + '<th scope="col">deleted</th><th scope="col">preStop</th><th scope="col">SIGTERM</th><th scope="col">exited</th><th scope="col">SIGKILL</th>'
    + `<th scope="col">served</th><th scope="col">failed</th></tr></thead><tbody>${rows.join('')}</tbody></table>\n`
    + `<table><caption>${escapeXml(run.label)}: requests per second</caption>`
    + `<thead><tr><th scope="col">second</th><th scope="col">offered</th><th scope="col">failed</th></tr></thead><tbody>${seconds.join('')}</tbody></table></div>`;
}

function runSection(run: DrillPictureRun, index: number): string {
  const r = run.report;
  const summary = `${r.requests} requests, ${r.failed} failed (refused ${r.failuresByClass.refused}, reset ${r.failuresByClass.reset}, `
    + `timeout ${r.failuresByClass.timeout}, 5xx ${r.failuresByClass['5xx']}; before ${r.failuresByPhase.before}, during ${r.failuresByPhase.during}, `
    + `after ${r.failuresByPhase.after})${r.longLived ? `; long-lived: ${r.longLived.cut} of ${r.longLived.opened} cut` : ''}`;
  const setup = `${r.scenario} of ${r.kind} '${r.deployment}': ${r.replicas} replicas, ${r.strategy.type} surge ${r.strategy.surge} / unavailable `
    + `${r.strategy.unavailable}, preStop ${r.preStop}, grace ${r.graceSeconds}s, data plane ${r.dataPlaneText}, lag ${r.lag.min}-${r.lag.max}s, seed ${r.seed}`;
  return `<section class="run${r.failed > 0 ? ' has-failures' : ''}" aria-labelledby="r${index}-heading" data-label="${escapeXml(run.label)}" `
    + `data-requests="${r.requests}" data-failed="${r.failed}" data-pods="${r.pods.length}">\n`
    + `<h2 id="r${index}-heading">${escapeXml(run.label)}</h2>\n<p class="summary"><strong>${escapeXml(summary)}</strong></p>\n`
    + `<p class="setup">${escapeXml(setup)}${r.stopped ? `; <strong>stopped early: ${escapeXml(r.stopped)}</strong>` : ''}</p>\n`
    + `<figure>${drillRunSvg(run, index)}</figure>\n${runTables(run, index)}\n</section>`;
}

const PAGE_CSS = `body{font:14px system-ui,sans-serif;color:#111;background:#fff;margin:16px}
h1{font-size:20px;margin:0 0 8px}h2{font-size:16px;margin:0 0 4px}
.runs{display:flex;flex-wrap:wrap;gap:24px}.run{flex:1 1 560px;min-width:0}
.summary{margin:4px 0}.setup{margin:4px 0;color:#444;font-size:12px}.has-failures .summary{color:#b00020}
figure{margin:8px 0}
.legend{font-size:12px;color:#333}.key{display:inline-block;width:14px;height:10px;margin:0 4px 0 10px;vertical-align:middle}
.key.starting{background:#c9c9c9}.key.ready{background:#7cc47c}.key.endpoint{background:#2e6b2e;height:4px}.key.prestop{background:#f2b84b}
.key.draining{background:#4f8fd6}.key.failure{background:#e00034;width:2px}.key.kill{color:#b00020;width:auto;height:auto}
.key.offered{background:#b9c4d0}.key.conn{background:#9e7cc4}`;

const LEGEND = '<p class="legend"><span class="key starting"></span>starting <span class="key ready"></span>ready '
  + '<span class="key endpoint"></span>in a proxy\'s endpoints (routed new requests) <span class="key prestop"></span>preStop '
  + '<span class="key draining"></span>SIGTERM, draining (● exited) <span class="key kill">✗</span>SIGKILL '
  + '<span class="key failure"></span>a failed request, at its time on its pod <span class="key offered"></span>requests offered per second '
  + '<span class="key conn"></span>a long-lived connection (✗ cut)</p>';

/**
 * The drill report (one run, or several side by side: naive and graceful) as one self-contained
 * HTML page.
 */
export function drillReportHtml(runs: DrillPictureRun[], title = 'graceful-drill report'): string {
  const body = `<main>\n<h1>${escapeXml(title)}</h1>\n${LEGEND}\n<div class="runs">\n${runs.map(runSection).join('\n')}\n</div>\n`
    + `<script type="application/json" id="drill-data">${jsonForScript({ runs: runs.map(pictureNumbers) })}</script>\n</main>`;
  return htmlPage(title, PAGE_CSS, body);
}
