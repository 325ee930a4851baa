#!/usr/bin/env node
// The pictures of docs/images/, regenerated from real runs (`npx projen screenshots`, which
// compiles first; not part of build or test):
// - drill-report.png: graceful-drill's --html page of two real rollouts of 4 replicas under load,
//   the naive cdk8s-plus Deployment next to the GracefulDeployment of the same app;
// - shutdown-timeline.png: graceful-check -o html of the checker's example manifests.
// Rendered by Debian's chromium (scripts/system-packages.sh), headless, through playwright-core
// (which downloads no browser: it launches /usr/bin/chromium, or $CHROMIUM).
process.env.GRACEFUL_K8S_QUIET = '1';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { chromium } = require('playwright-core');
const { main: check } = require('../lib/cli/graceful-check');
const { drillReportHtml, runDrill } = require('../lib/drill/drill');

const ROOT = path.join(__dirname, '..');
const OUT = path.join(ROOT, 'docs', 'images');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const APPS = path.join(ROOT, 'examples', 'drill-apps');
const REPLICAS = 4;
const manifests = require('../bench/drill-manifests');
const naiveManifest = () => manifests.naiveManifest(REPLICAS);
// The picture's GracefulDeployment: preStop 5 s, as its title says.
const gracefulManifest = () => manifests.gracefulManifest(REPLICAS, 5);
/** A picture larger than this is refused: the docs stay light. */
const MAX_BYTES = 300 * 1024;

/** Renders `html` in chromium to `file` (the whole page), and says how large it is. */
async function screenshot(browser, html, file, width) {
  const tmp = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'screenshots-')), 'page.html');
  fs.writeFileSync(tmp, html);
  const page = await browser.newPage({ viewport: { width, height: 600 }, deviceScaleFactor: 1 });
  const problems = [];
  page.on('console', m => m.type() === 'error' && problems.push(m.text()));
  page.on('requestfailed', r => problems.push(`request failed: ${r.url()}`));
  await page.goto(`file://${tmp}`, { waitUntil: 'load' });
  await page.screenshot({ path: file, fullPage: true });
  await page.close();
  fs.rmSync(path.dirname(tmp), { recursive: true, force: true });
  if (problems.length > 0) throw new Error(`${path.basename(file)}: ${problems.join('; ')}`);
  const bytes = fs.statSync(file).size;
  console.log(`${path.relative(ROOT, file)}: ${Math.round(bytes / 1024)} KB`);
  if (bytes > MAX_BYTES) throw new Error(`${path.relative(ROOT, file)} is ${bytes} bytes, over ${MAX_BYTES}: make the page smaller`);
}

async function main() {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: install chromium (scripts/system-packages.sh) or set CHROMIUM`);
  fs.mkdirSync(OUT, { recursive: true });
  const common = {
    timeScale: 0.5, lag: { min: 0, max: 3 }, rate: 200, warmupSeconds: 3, settleSeconds: 3, seed: 7, maxSeconds: 120,
    log: m => process.stderr.write(`  ${m}\n`),
  };
  const runs = [];
  for (const [label, manifest, exec] of [
    ['naive cdk8s-plus Deployment (no readiness probe, no preStop)', naiveManifest, 'naive-server.js'],
    ['GracefulDeployment (preStop 5 s, readiness, minReady 2 s)', gracefulManifest, 'graceful-server.js'],
  ]) {
    console.log(`drill: ${label}`);
    const report = await runDrill(manifest(), { ...common, exec: `node ${path.join(APPS, exec)}` });
    console.log(`  ${report.requests} requests, ${report.failed} failed`);
    runs.push({ label, report });
  }
  let timeline = '';
  check(['web-app.yaml', 'statefulset.yaml', '-o', 'html'], {
    stdout: t => { timeline += t; }, stderr: () => undefined, readStdin: () => '', cwd: path.join(ROOT, 'test', 'fixtures', 'checker'),
  });
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--headless'], timeout: 30_000 });
  try {
    await screenshot(browser, drillReportHtml(runs, `graceful-drill: rollout of ${REPLICAS} replicas, naive vs graceful`), path.join(OUT, 'drill-report.png'), 1400);
    // The timeline's picture, without the findings' text below it (the page has them too).
    await screenshot(browser, timeline.replace(/<section aria-labelledby="findings-heading">.*?<\/section>/s, ''), path.join(OUT, 'shutdown-timeline.png'), 1000);
  } finally {
    await browser.close();
  }
}

main().catch(e => {
  console.error(`screenshots: ${e.message}`);
  process.exit(1);
});
