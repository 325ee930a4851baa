// graceful-drill: usage, every refusal, scenarios, an app that exits or never listens, the hard
// time bound, and signals: no process the drill started outlives it.
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as yaml from 'js-yaml';
import { GRACEFUL_APP, gracefulManifest, tableManifest } from './drill-manifests';
import { main } from '../src/cli/graceful-drill';

const FIXTURES = path.join(__dirname, 'fixtures', 'drill');
const SPAWNING_APP = `node ${path.join(FIXTURES, 'spawning-app.js')}`;
let dir: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'drill-cli-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function manifestFile(name: string, objects: any[]): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, objects.map(o => yaml.dump(o)).join('---\n'));
  return file;
}

async function cli(argv: string[], signal?: AbortSignal): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, t => { out += t; }, t => { err += t; }, signal);
  return { code, out, err };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * The host pids of every spawning app and its child, once `count` apps have started: each app
 * records a marker that its process title and its child's argument carry (inside its PID
 * namespace its own pid is 1, so pids are looked up from here, in `ps`).
 */
async function recordedPids(pidDir: string, count: number): Promise<number[]> {
  for (let i = 0; i < 200 && fs.readdirSync(pidDir).length < count; i++) await new Promise(r => setTimeout(r, 50));
  const markers = fs.readdirSync(pidDir).map(f => ({ title: f, digits: fs.readFileSync(path.join(pidDir, f), 'utf8').trim() }));
  const ps = await new Promise<string>(resolve => {
    let text = '';
    spawn('ps', ['-eo', 'pid=,args=']).stdout.on('data', d => { text += d; }).on('end', () => resolve(text));
  });
  return ps.split('\n').filter(line => markers.some(m => line.includes(`spawning-app ${m.title}`) || line.includes(`sleep 600.${m.digits}`)))
    .map(line => Number(line.trim().split(/\s+/)[0]));
}

async function allGone(pids: number[], withinMs: number): Promise<boolean> {
  for (let waited = 0; waited < withinMs; waited += 50) {
    if (pids.every(p => !alive(p))) return true;
    await new Promise(r => setTimeout(r, 50));
  }
  return pids.every(p => !alive(p));
}

describe('usage and refusals (exit 2, before any process starts)', () => {
  test('usage errors name the problem', async () => {
    expect(await cli([])).toMatchObject({ code: 2, err: expect.stringContaining('pass one manifest file and --exec "<command that starts the app>"') });
    expect((await cli(['x.yaml', '--exec', 'true', '--lag', 'soon'])).err).toContain("'--lag' takes seconds or a range such as 0-5 (got 'soon')");
    expect((await cli(['missing.yaml', '--exec', 'true'])).err).toContain('graceful-drill: cannot read missing.yaml: no such file');
    expect((await cli(['x.yaml', '--exec', 'true', '--rate', 'lots'])).err).toContain("'--rate' takes a number (got 'lots')");
    expect((await cli(['x.yaml', '--bogus'])).code).toBe(2);
    const help = await cli(['--help']);
    expect(help.code).toBe(0);
    for (const flag of ['--scenario', '--nodes', '--drain-nodes', '--scale-to', '--reconcile-latency', '--replica-limit', '--start-timeout', '--max-seconds']) {
      expect(help.out).toContain(flag);
    }
  });

  const file = () => manifestFile('table.yaml', tableManifest(4, { maxSurge: 1, maxUnavailable: 0 }));
  test.each([
    [['--connections', '0'], "'--connections' (0) must be a whole number from 1 to 1024; give the number of keep-alive connections, e.g. 16"],
    [['--rate', '0'], "'--rate' (0) must be a number above 0 and at most 20000; give requests per second, e.g. 200"],
    [['--requests-per-connection', '0'], "'--requests-per-connection' (0) must be a whole number from 1 to 1000000000"],
    [['--max-requests', '0'], "'--max-requests' (0) must be a whole number from 1 to 100000000"],
    [['--max-seconds', '0'], "'--max-seconds' (0) must be a number above 0 and at most 86400; give the longest the whole drill may take, e.g. 600"],
    [['--time-scale', '0'], "'--time-scale' (0) must be a number above 0 and at most 10; use 1 for real time, 0.2 to run five times faster"],
    [['--timeout-ms', '0'], "'--timeout-ms' (0) must be a whole number from 1 to 600000"],
    [['--seed', '1.5'], "'--seed' (1.5) must be a whole number from 0 to 4294967295"],
    [['--nodes', '0'], "'--nodes' (0) must be a whole number from 1 to 100"],
    [['--start-timeout', '0'], "'--start-timeout' (0) must be a number above 0 and at most 3600"],
    [['--warmup=-1'], "'--warmup' (-1) must be a number from 0 to 3600"],
    [['--lag', '5-1'], "'--lag' (5-1) must be a range of seconds from 0 to 600, min <= max; e.g. 0-5, or 2 for a fixed lag"],
    [['--reconcile-latency', '9'], "'--reconcile-latency' (9-9) must be a range of seconds from 0 to 5, min <= max; e.g. 0.01-0.05 (measured on Kubernetes 1.34)"],
    [['--scenario', 'chaos'], "'--scenario' (chaos) must be one of rollout, drain, scale-down"],
    [['--scenario', 'drain', '--nodes', '1'], "'--nodes' (1) must be at least 2 for the drain scenario, so the evicted pods have somewhere to go; e.g. --nodes 3"],
    [['--scenario', 'drain', '--drain-nodes', '3'], "'--drain-nodes' (3) must be a whole number from 1 to 2; drain fewer nodes than there are (--nodes 3), so the evicted pods have somewhere to go"],
    [['--scenario', 'scale-down', '--scale-to', '4'], "'--scale-to' (4) must be below the Deployment's 4 replicas, or the autoscaler removes nothing; e.g. --scale-to 2"],
    [['--replica-limit', '501'], "'--replica-limit' (501) must be a whole number from 1 to 500; the drill runs at most 500 replicas"],
    [['--env', 'NOVALUE'], "'--env' takes KEY=VALUE (got 'NOVALUE'); e.g. --env LOG_LEVEL=debug"],
  ])('refuses %j', async (flags, message) => {
    const { code, err } = await cli([file(), '--exec', 'true', ...flags]);
    expect(code).toBe(2);
    expect(err).toContain(message);
  });

  test('refuses more replicas than the limit unless --replica-limit allows them', async () => {
    const many = manifestFile('many.yaml', tableManifest(40, { maxSurge: 1, maxUnavailable: 0 }));
    const refused = await cli([many, '--exec', 'true']);
    expect(refused.code).toBe(2);
    expect(refused.err).toContain("Deployment 'table' has 40 replicas, above the limit of 30 local app processes (a rollout runs up to twice as many at once); "
      + 'pass --replica-limit 40 to run them anyway, or drill fewer with --replicas 30');
    // Allowed, the drill starts the pods: here an app that exits at once, reported as such.
    const allowed = await cli([many, '--exec', 'true', '--replica-limit', '40']);
    expect(allowed.err).toMatch(/exited with code 0/);
  }, 30_000);
});

describe('apps that do not come up are named within seconds', () => {
  test('an app that exits at once: its exit code and what it wrote', async () => {
    const started = Date.now();
    const { code, err } = await cli([manifestFile('t.yaml', tableManifest(2, { maxSurge: 1, maxUnavailable: 0 })), '--exec', 'sh -c "echo port taken >&2; exit 3"']);
    expect(code).toBe(2);
    expect(err).toMatch(/the app of pod table-r1-\d exited with code 3 [\d.]+s after it started, before it became Ready; check that 'sh -c "echo port taken >&2; exit 3"' keeps running and listens on 127.0.0.1 at the port in \$PORT; its last lines: port taken/);
    expect(Date.now() - started).toBeLessThan(5000);
  }, 30_000);

  test('an app that never listens: no listener on its port, within --start-timeout; nothing left running', async () => {
    const started = Date.now();
    const marker = `${31 + Math.floor(Math.random() * 1000) / 1000}`;
    const { code, err } = await cli([manifestFile('t.yaml', tableManifest(2, { maxSurge: 1, maxUnavailable: 0 })), '--exec', `sleep ${marker}`, '--start-timeout', '3', '--time-scale', '0.5']);
    expect(code).toBe(2);
    expect(err).toMatch(new RegExp(`nothing listened on 127\\.0\\.0\\.1:\\d+ \\(\\$PORT\\) for pod table-r1-\\d within 3s; check that 'sleep ${marker}' keeps running and listens`));
    expect(Date.now() - started).toBeLessThan(6000);
    const ps = await new Promise<string>(resolve => {
      let text = '';
      spawn('ps', ['-eo', 'args']).stdout.on('data', d => { text += d; }).on('end', () => resolve(text));
    });
    expect(ps).not.toContain(`sleep ${marker}`);
  }, 30_000);
});

describe('scenarios through the CLI', () => {
  test('--scenario scale-down --json: the scale-down section; text output: the drain line', async () => {
    const file = manifestFile('graceful.yaml', gracefulManifest(3));
    const common = ['--exec', GRACEFUL_APP, '--env', 'CLOSE_DELAY_MS=200', '--time-scale', '0.2', '--lag', '0-3', '--warmup', '2', '--settle', '2', '--rate', '100'];
    const json = await cli([file, ...common, '--scenario', 'scale-down', '--scale-to', '2', '--json']);
    expect(json.code).toBe(0);
    const report = JSON.parse(json.out);
    const { from, to, timedOut } = report.scaleDown;
    expect({ scenario: report.scenario, failed: report.failed, from, to, timedOut }).toEqual({ scenario: 'scale-down', failed: 0, from: 3, to: 2, timedOut: false });
    const text = await cli([file, ...common, '--scenario', 'drain']);
    expect(text.code).toBe(0);
    expect(text.out).toMatch(/drain of node-1: 1 pod\(s\) evicted, 0 eviction\(s\) refused by the PodDisruptionBudget \(429, retried every 5s\); drain took [\d.]+s/);
  }, 90_000);
});

describe('stopping: --max-seconds, signals; the whole process tree goes', () => {
  test('--max-seconds bounds the whole run; the report says what was measured', async () => {
    const started = Date.now();
    const { code, out } = await cli([manifestFile('t.yaml', tableManifest(2, { maxSurge: 1, maxUnavailable: 0 })),
      '--exec', GRACEFUL_APP, '--warmup', '600', '--max-seconds', '5', '--lag', '0']);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(code).toBe(1);
    expect(out).toContain('STOPPED EARLY (--max-seconds 5 reached): what was measured until then');
    expect(out).toMatch(/requests: [1-9]\d*, failed: 0/);
  }, 30_000);

  test('an abort (what SIGINT does) stops the drill mid-rollout: report printed, exit 130, app and child processes gone', async () => {
    const pidDir = fs.mkdtempSync(path.join(dir, 'pids-'));
    const controller = new AbortController();
    const file = manifestFile('t.yaml', tableManifest(2, { maxSurge: 1, maxUnavailable: 0 }));
    let err = '';
    let out = '';
    // The abort waits for the event it needs, not for a time: the rollout has started and the
    // surge pod's app (the third) has recorded its pids. On a busy machine that can take seconds.
    let pids: number[] = [];
    const running = main([file, '--exec', SPAWNING_APP, '--env', `PID_DIR=${pidDir}`, '--lag', '0', '--warmup', '0.5'], t => { out += t; }, t => {
      err += t;
      if (t.includes('rollout starts')) {
        void recordedPids(pidDir, 3).then(recorded => {
          pids = recorded;
          controller.abort('SIGINT');
        });
      }
    }, controller.signal);
    const code = await running;
    expect(code).toBe(130);
    expect(err).toContain('stopping (SIGINT)');
    expect(out).toContain('STOPPED EARLY (SIGINT)');
    expect(pids.length).toBeGreaterThanOrEqual(6);
    expect(await allGone(pids, 2000)).toBe(true);
  }, 30_000);

  function startCli(pidDir: string): { child: ChildProcess; output: () => string; rolloutStarted: Promise<void>; exited: Promise<number | null> } {
    const file = manifestFile('t.yaml', tableManifest(2, { maxSurge: 1, maxUnavailable: 0 }));
    const child = spawn(process.execPath, [path.join(FIXTURES, 'run-cli.js'), file, '--exec', SPAWNING_APP, '--env', `PID_DIR=${pidDir}`, '--lag', '0', '--warmup', '0.5'],
      { stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    child.stdout!.on('data', d => { text += d; });
    const rolloutStarted = new Promise<void>(resolve => child.stderr!.on('data', d => {
      text += d;
      if (text.includes('rollout starts')) resolve();
    }));
    const exited = new Promise<number | null>(resolve => child.on('exit', c => resolve(c)));
    return { child, output: () => text, rolloutStarted, exited };
  }

  test('SIGINT to a graceful-drill process: it prints the report, exits 130, and no process of any app group remains', async () => {
    const pidDir = fs.mkdtempSync(path.join(dir, 'pids-'));
    const run = startCli(pidDir);
    await run.rolloutStarted;
    const pids = await recordedPids(pidDir, 3);
    run.child.kill('SIGINT');
    expect(await run.exited).toBe(130);
    expect(run.output()).toContain('STOPPED EARLY (SIGINT)');
    expect(pids.length).toBeGreaterThanOrEqual(6);
    expect(await allGone(pids, 2000)).toBe(true);
  }, 60_000);

  test('SIGKILL to a graceful-drill process: its watchdog kills every app group', async () => {
    const pidDir = fs.mkdtempSync(path.join(dir, 'pids-'));
    const run = startCli(pidDir);
    await run.rolloutStarted;
    const pids = await recordedPids(pidDir, 3);
    run.child.kill('SIGKILL');
    await run.exited;
    expect(pids.length).toBeGreaterThanOrEqual(6);
    expect(await allGone(pids, 3000)).toBe(true);
  }, 60_000);
});
