// The shutdown timeline as a picture (`graceful-check --timeline -o svg|html`): per container, from
// the pod's deletion at t=0, each data plane's propagation lag, the preStop hook, SIGTERM, the
// drain, the grace period and SIGKILL, with the findings marked at the moment they break. Pure:
// timelines in, SVG or HTML text out; every text is escaped.

import { ContainerTimeline, TimelineEvent } from './shutdown-timeline';
import { escapeXml, htmlPage, jsonForScript, num, secondsLabel, ticks } from '../render/svg';

/** What a moment of the timeline is, read from the event shutdownTimeline wrote. */
export type TimelineStep = 'deletion' | 'data-plane' | 'mesh' | 'sigterm' | 'drain-done' | 'sigkill';

/** The step of an event (its wording is shutdownTimeline's; test/timeline-svg.test.ts holds every event to a step). */
export function stepOf(e: TimelineEvent): TimelineStep | undefined {
  if (e.what.startsWith('pod deleted')) return 'deletion';
  if (e.what.startsWith('SIGTERM')) return 'sigterm';
  if (e.what.startsWith('SIGKILL')) return 'sigkill';
  if (e.what === 'drain done') return 'drain-done';
  if (e.what.includes('stops sending new requests')) return 'data-plane';
  if (e.what.includes('stops forwarding')) return 'mesh';
  return undefined;
}

/** The numbers a container's picture draws, in seconds after the deletion. */
export interface TimelineFigure {
  readonly title: string;
  /** When SIGTERM comes; undefined when the manifest does not tell (a hook of unknown length). */
  readonly sigtermAt?: number;
  readonly drainDoneAt?: number;
  readonly sigkillAt: number;
  /** Data planes and meshes: when each stops sending new requests. */
  readonly lags: Array<{ readonly at: number; readonly what: string }>;
  readonly preStop: string;
  /** Findings at the moment they break (at undefined: SIGTERM's unknown time). */
  readonly findings: Array<{ readonly at?: number; readonly step: TimelineStep | 'other'; readonly text: string }>;
}

function containerTitle(t: ContainerTimeline): string {
  return `${t.kind} '${t.namespace ? t.namespace + '/' : ''}${t.name}' container '${t.container}'`;
}

/** Reads a timeline's events into the numbers its picture draws. */
export function timelineFigure(t: ContainerTimeline): TimelineFigure {
  const of = (step: TimelineStep) => t.events.find(e => stepOf(e) === step);
  const deletion = of('deletion');
  const sigterm = of('sigterm');
  const sigkill = of('sigkill');
  const hook = /; (.*)$/.exec(deletion?.what ?? '')?.[1] ?? 'no preStop hook';
  return {
    title: containerTitle(t),
    sigtermAt: sigterm?.atSeconds,
    drainDoneAt: of('drain-done')?.atSeconds,
    sigkillAt: sigkill?.atSeconds ?? 0,
    lags: t.events.filter(e => stepOf(e) === 'data-plane' || stepOf(e) === 'mesh').map(e => ({ at: e.atSeconds ?? 0, what: e.what })),
    preStop: hook,
    findings: t.events.flatMap(e => e.broken.map(text => ({ at: e.atSeconds, step: stepOf(e) ?? 'other' as const, text }))),
  };
}

const WIDTH = 960;
const LABEL = 250;
const PLOT = WIDTH - LABEL - 30;
const ROW = 22;
const FINDING_ROW = 18;
/** The block's heading, the moments' names and the findings' marks above the rows. */
const TOP = 48;
/** A finding's line below the rows shows this much; its <title> and the page's table have all. */
const FINDING_CHARS = 125;

/** One bar of a row: from, to (seconds), its class and what a screen reader or tooltip says. */
function bar(x: (s: number) => number, y: number, from: number, to: number, cls: string, title: string): string {
  const w = Math.max(x(to) - x(from), 2);
  return `<rect class="${cls}" x="${num(x(from))}" y="${num(y + 4)}" width="${num(w)}" height="${ROW - 8}"><title>${escapeXml(title)}</title></rect>`;
}

function rowLabel(y: number, text: string): string {
  return `<text class="label" x="${LABEL - 8}" y="${num(y + ROW / 2 + 4)}" text-anchor="end">${escapeXml(text)}</text>`;
}

/** The height of one container's block. */
function blockHeight(f: TimelineFigure): number {
  return TOP + ROW * (3 + f.lags.length) + 24 + FINDING_ROW * f.findings.length + 10;
}

/** One container's block, its top at y; `span` is the seconds the shared axis shows. */
function block(f: TimelineFigure, index: number, y: number, span: number): string {
  const x = (s: number) => LABEL + (Math.max(0, Math.min(s, span)) / span) * PLOT;
  const out: string[] = [];
  const headingId = `tl-${index}-heading`;
  out.push(`<g class="container" data-index="${index}" data-sigterm="${f.sigtermAt ?? ''}" data-sigkill="${f.sigkillAt}" `
    + `data-drain-done="${f.drainDoneAt ?? ''}" data-findings="${f.findings.length}" data-lags="${f.lags.length}" role="group" aria-labelledby="${headingId}">`);
  out.push(`<text id="${headingId}" class="heading" x="8" y="${y + 16}">${escapeXml(f.title)}</text>`);
  let row = y + TOP;
  const rows: Array<[string, string]> = [];
  // The preStop hook: from the deletion to SIGTERM (unknown length: up to the grace period, hatched).
  const sigterm = f.sigtermAt;
  if (sigterm === undefined) {
    rows.push(['preStop hook', bar(x, row, 0, f.sigkillAt, 'prestop unknown', `preStop: ${f.preStop}; its length is unknown, SIGTERM comes when it returns`)]);
  } else if (sigterm > 0) {
    rows.push(['preStop hook', bar(x, row, 0, sigterm, 'prestop', `preStop 0s to ${secondsLabel(sigterm)}: ${f.preStop}`)]);
  } else {
    rows.push(['preStop hook', `<text class="note" x="${num(x(0) + 4)}" y="${num(row + ROW / 2 + 4)}">${escapeXml(f.preStop)}</text>`]);
  }
  row += ROW;
  // The drain: SIGTERM to drain done; what runs past SIGKILL is cut.
  if (sigterm !== undefined && f.drainDoneAt !== undefined) {
    const kept = Math.min(f.drainDoneAt, f.sigkillAt);
    const parts = [bar(x, row, sigterm, Math.max(kept, sigterm), 'drain', `drain ${secondsLabel(sigterm)} to ${secondsLabel(f.drainDoneAt)}`)];
    if (f.drainDoneAt > f.sigkillAt) {
      parts.push(bar(x, row, f.sigkillAt, f.drainDoneAt, 'drain cut', `the drain would end at ${secondsLabel(f.drainDoneAt)}: SIGKILL cuts it ${secondsLabel(f.drainDoneAt - f.sigkillAt)} short`));
    }
    rows.push(['drain after SIGTERM', parts.join('')]);
  } else {
    rows.push(['drain after SIGTERM', `<text class="note" x="${num(x(0) + 4)}" y="${num(row + ROW / 2 + 4)}">after the hook returns</text>`]);
  }
  row += ROW;
  rows.push(['grace period', bar(x, row, 0, f.sigkillAt, 'grace', `terminationGracePeriod: SIGKILL at ${secondsLabel(f.sigkillAt)}`)]);
  row += ROW;
  for (const lag of f.lags) {
    const name = lag.what.replace(/ stops .*$/, '');
    rows.push([name, bar(x, row, 0, lag.at, 'lag', `${lag.what}: new requests still arrive until ${secondsLabel(lag.at)}`)
      + `<path class="lag-end" d="M${num(x(lag.at))} ${row + 3}v${ROW - 6}"/>`]);
    row += ROW;
  }
  let r = y + TOP;
  for (const [label, content] of rows) {
    out.push(rowLabel(r, label.length > 38 ? label.slice(0, 37) + '…' : label), content);
    r += ROW;
  }
  const top = y + TOP;
  const bottom = row;
  // The moments across the rows: deletion, SIGTERM, SIGKILL.
  out.push(`<path class="moment deletion" d="M${num(x(0))} ${top}V${bottom}"><title>t=0s: pod deleted</title></path>`);
  if (sigterm !== undefined) {
    out.push(`<path class="moment sigterm" d="M${num(x(sigterm))} ${top}V${bottom}"><title>SIGTERM at ${secondsLabel(sigterm)}</title></path>`);
    out.push(`<text class="moment-label" x="${num(x(sigterm) - 3)}" y="${top - 18}" text-anchor="end">SIGTERM</text>`);
  }
  out.push(`<path class="moment sigkill" d="M${num(x(f.sigkillAt))} ${top}V${bottom}"><title>SIGKILL at ${secondsLabel(f.sigkillAt)}</title></path>`);
  out.push(`<text class="moment-label kill" x="${num(x(f.sigkillAt) + 3)}" y="${top - 18}">SIGKILL</text>`);
  // The axis.
  for (const t of ticks(0, span, 8)) {
    out.push(`<text class="tick" x="${num(x(t))}" y="${bottom + 14}" text-anchor="middle">${secondsLabel(t)}</text>`);
  }
  row = bottom + 24;
  // The findings, each marked at its moment and listed below.
  f.findings.forEach((finding, i) => {
    const at = finding.at ?? (finding.step === 'sigterm' ? f.sigkillAt : 0);
    out.push(`<g class="finding" data-step="${finding.step}" data-at="${finding.at ?? ''}">`
      + `<circle cx="${num(x(at))}" cy="${top - 6}" r="6"><title>${escapeXml(finding.text)}</title></circle>`
      + `<text class="finding-number" x="${num(x(at))}" y="${top - 3}" text-anchor="middle" aria-hidden="true">${i + 1}</text>`
      + `<text class="finding-text" x="8" y="${row + 12}">${i + 1}. ✗ at ${finding.at === undefined ? '?' : secondsLabel(finding.at)} (${finding.step}): `
      + `${escapeXml(finding.text.length > FINDING_CHARS ? finding.text.slice(0, FINDING_CHARS - 1) + '…' : finding.text)}<title>${escapeXml(finding.text)}</title></text></g>`);
    row += FINDING_ROW;
  });
  out.push('</g>');
  return out.join('\n');
}

const SVG_CSS = `
.heading{font:600 14px system-ui,sans-serif;fill:#111}
.label,.tick,.note,.moment-label{font:12px system-ui,sans-serif;fill:#333}
.tick{fill:#555}
.note{fill:#666;font-style:italic}
.prestop{fill:#f2b84b}
.prestop.unknown{fill:#f2b84b;fill-opacity:.45;stroke:#b07a10;stroke-dasharray:4 3}
.drain{fill:#4f8fd6}
.drain.cut{fill:#d64545;fill-opacity:.35;stroke:#b00020;stroke-dasharray:3 2}
.grace{fill:#e7e7e7;stroke:#999}
.lag{fill:#9bd39b}
.lag-end{stroke:#2e7d32;stroke-width:3}
.moment{stroke-width:1.5;stroke-dasharray:4 3}
.deletion{stroke:#555}
.sigterm{stroke:#1f5fa8}
.sigkill{stroke:#b00020}
.moment-label.kill{fill:#b00020}
.finding circle{fill:#b00020}
.finding-number{font:700 9px system-ui,sans-serif;fill:#fff}
.finding-text{font:12px system-ui,sans-serif;fill:#b00020}`;

/** The text a screen reader reads for the whole picture. */
function summaryText(figures: TimelineFigure[]): string {
  return figures.map(f => `${f.title}: deleted at 0s; ${f.lags.map(l => `${l.what} at ${secondsLabel(l.at)}`).join('; ')}${f.lags.length ? '; ' : ''}`
    + `${f.preStop}; SIGTERM ${f.sigtermAt === undefined ? 'when the hook returns' : `at ${secondsLabel(f.sigtermAt)}`}; `
    + `${f.drainDoneAt === undefined ? '' : `drain done at ${secondsLabel(f.drainDoneAt)}; `}SIGKILL at ${secondsLabel(f.sigkillAt)}; `
    + `${f.findings.length} finding(s)`).join('. ');
}

/**
 * The timelines as one SVG document: a block per container on a shared axis of seconds after the
 * pod's deletion. `standalone` adds the XML namespace's declaration for a file of its own.
 */
export function timelineSvg(timelines: ContainerTimeline[], options: { standalone?: boolean } = {}): string {
  const figures = timelines.map(timelineFigure);
  const span = Math.max(1, ...figures.map(f => Math.max(f.sigkillAt, f.drainDoneAt ?? 0, ...f.lags.map(l => l.at)))) * 1.05;
  const heights = figures.map(blockHeight);
  const height = Math.max(40, heights.reduce((a, b) => a + b, 0));
  const blocks: string[] = [];
  let y = 0;
  figures.forEach((f, i) => {
    blocks.push(block(f, i, y, span));
    y += heights[i];
  });
  const title = timelines.length === 0 ? 'No workload with containers: no shutdown timeline'
    : `Shutdown timeline of ${timelines.length} container(s)`;
  return `${options.standalone ? '<?xml version="1.0" encoding="UTF-8"?>\n' : ''}`
    + `<svg xmlns="http://www.w3.org/2000/svg" class="shutdown-timeline" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" `
    + `role="img" aria-labelledby="tl-title tl-desc" data-containers="${figures.length}" data-findings="${figures.reduce((n, f) => n + f.findings.length, 0)}">\n`
    + `<title id="tl-title">${escapeXml(title)}</title>\n<desc id="tl-desc">${escapeXml(summaryText(figures) || title)}</desc>\n`
    + `<style>${SVG_CSS}</style>\n${blocks.join('\n')}\n</svg>\n`;
}

/** The same numbers as a table, for screen readers (and anyone who copies them). */
function timelineTable(figures: TimelineFigure[]): string {
  const rows = figures.map(f => `<tr><th scope="row">${escapeXml(f.title)}</th><td>${escapeXml(f.preStop)}</td>`
    + `<td>${escapeXml(f.lags.map(l => `${l.what} at ${secondsLabel(l.at)}`).join('; ') || 'none')}</td>`
    + `<td>${f.sigtermAt === undefined ? 'when the hook returns' : secondsLabel(f.sigtermAt)}</td><td>${f.drainDoneAt === undefined ? '?' : secondsLabel(f.drainDoneAt)}</td>`
    + `<td>${secondsLabel(f.sigkillAt)}</td><td>${f.findings.map(x => escapeXml(x.text)).join('<br>') || 'none'}</td></tr>`);
  // In a hidden box, not hidden itself: a table is as wide as its cells whatever its width says.
  return '<div class="visually-hidden"><table><caption>Shutdown timeline, seconds after the pod\'s deletion</caption>'
    + '<thead><tr><th scope="col">container</th><th scope="col">preStop</th><th scope="col">data planes stop sending</th><th scope="col">SIGTERM</th>'
    + `<th scope="col">drain done</th><th scope="col">SIGKILL</th><th scope="col">findings</th></tr></thead><tbody>${rows.join('')}</tbody></table></div>`;
}

/** The timelines as a self-contained HTML page: the SVG, a hidden table of its numbers, and the numbers as JSON. */
export function timelineHtml(timelines: ContainerTimeline[], heading = 'Shutdown timeline'): string {
  const figures = timelines.map(timelineFigure);
  const data = figures.map(f => ({
    title: f.title,
    sigtermAt: f.sigtermAt ?? null,
    drainDoneAt: f.drainDoneAt ?? null,
    sigkillAt: f.sigkillAt,
    lags: f.lags,
    findings: f.findings.map(x => x.text),
  }));
  const body = `<main>\n<h1>${escapeXml(heading)}</h1>\n<p class="legend">Seconds after the pod's deletion. `
    + '<span class="key prestop"></span> preStop hook <span class="key drain"></span> drain after SIGTERM <span class="key grace"></span> grace period '
    + '<span class="key lag"></span> a data plane still sends new requests <span class="key finding"></span> a finding, at the moment it breaks</p>\n'
    + `<figure>${timelineSvg(timelines)}</figure>\n${timelineTable(figures)}\n`
    + `<script type="application/json" id="timeline-data">${jsonForScript(data)}</script>\n</main>`;
  const css = 'body{font:14px system-ui,sans-serif;color:#111;background:#fff;margin:16px}h1{font-size:20px}figure{margin:0;overflow-x:auto}pre{white-space:pre-wrap}'
    + '.key{display:inline-block;width:14px;height:10px;margin:0 4px 0 10px;vertical-align:middle}.key.prestop{background:#f2b84b}.key.drain{background:#4f8fd6}'
    + '.key.grace{background:#e7e7e7;border:1px solid #999}.key.lag{background:#9bd39b}.key.finding{background:#b00020;border-radius:50%;width:10px}';
  return htmlPage(heading, css, body);
}
