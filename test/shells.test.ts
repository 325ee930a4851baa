// The shell facts GS006 and GS040 rest on, observed on the real shells from Debian's packages
// (dash, bash, busybox), run as a container runs its command: PID 1 of a new PID namespace
// (`unshare -fp`), or, where the machine forbids that, as a parent process. For every script the
// model in src/manifest/shells.ts must say what the real shell does: whether SIGTERM sent to the
// container's main process reaches the app the script starts.
import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { checkManifests } from '../src/checks/engine';
import { ShellName, entrypointVerdict, imageFamilyOf, scriptShape, shellVerdict, sigtermReachesApp } from '../src/manifest/shells';

const TARGET = path.join(__dirname, 'fixtures', 'shells', 'signal-target.js');
const APP = `${process.execPath} ${TARGET}`;

/** How each shell is started, and the Debian package that has it. */
const SHELLS: Record<ShellName, { command: string[]; package: string }> = {
  dash: { command: ['dash'], package: 'dash' },
  bash: { command: ['bash'], package: 'bash' },
  ash: { command: ['busybox', 'sh'], package: 'busybox' },
};

/** Scripts (APP is the app), and whether the script itself handles SIGTERM with a trap. */
const SCRIPTS: Array<{ script: string; traps?: boolean }> = [
  { script: 'APP' },
  { script: 'exec APP' },
  { script: 'cd /tmp && APP' },
  { script: 'echo starting >/dev/null; APP' },
  { script: 'false || APP' },
  { script: 'FOO=1 APP' },
  { script: 'APP "$@"' },
  { script: 'echo $(date) >/dev/null && APP' },
  { script: 'cd /tmp\nAPP' },
  { script: 'exec >/dev/null 2>&1; APP' },
  { script: 'cd /tmp; exec APP' },
  { script: 'APP; echo done' },
  { script: 'APP >/dev/null 2>&1' },
  { script: 'APP | cat' },
  { script: 'if true; then APP; fi' },
  { script: 'case x in x) APP;; esac' },
  { script: '{ APP; }' },
  { script: '(APP)' },
  { script: 'trap "echo bye >/dev/null" EXIT; APP' },
  { script: 'while true; do APP; done' },
  { script: 'APP &\nwait' },
  { script: 'trap \'kill -TERM $p; wait $p\' TERM; APP & p=$!; wait $p', traps: true },
];

let dir: string;
let pidNamespace = false;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shells-'));
  // GRACEFUL_TEST_NO_PID_NAMESPACE=1 runs the fallback on a machine that has namespaces.
  pidNamespace = !process.env.GRACEFUL_TEST_NO_PID_NAMESPACE && spawnSync('unshare', ['-fp', '--mount-proc', 'true'], { stdio: 'ignore' }).status === 0;
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function requireProgram(command: string, pkg: string): void {
  const found = spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
  if (!found) {
    throw new Error(`${command} is not installed; these tests run the real shell: install the Debian package with \`apt-get install ${pkg}\` (scripts/system-packages.sh does)`);
  }
}

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

/** Waits for a file the app writes (an event; the test's own timeout bounds it). */
async function fileAppears(file: string, exited: () => boolean): Promise<boolean> {
  while (!fs.existsSync(file)) {
    if (exited()) return fs.existsSync(file);
    await sleep(10);
  }
  return true;
}

/** The host pid of the process the container would stop: PID 1 of the namespace, or the shell itself. */
function mainProcessPid(child: ChildProcess): number {
  if (!pidNamespace) return child.pid!;
  // `unshare -f` forks; its one child is PID 1 of the new namespace.
  const children = fs.readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim().split(/\s+/).map(Number);
  return children[0];
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
 * Runs `<shell> -c <script>` as a container would, sends SIGTERM to its main process, and tells
 * whether the app got it. Every step waits for an event: the app's pid file, the process's exit.
 */
async function observe(shell: ShellName, script: string, traps: boolean): Promise<{ exec: boolean; reached: boolean }> {
  const out = path.join(dir, `${shell}-${Math.random().toString(36).slice(2)}`);
  const words = [...SHELLS[shell].command, '-c', script.replace(/APP/g, APP)];
  const child = pidNamespace
    ? spawn('unshare', ['-fp', '--mount-proc', ...words], { env: { ...process.env, OUT: out }, stdio: 'ignore' })
    : spawn(words[0], words.slice(1), { env: { ...process.env, OUT: out }, stdio: 'ignore' });
  let exited = false;
  const exit = new Promise<void>(resolve => child.on('exit', () => {
    exited = true;
    resolve();
  }));
  if (!await fileAppears(`${out}.pid`, () => exited)) {
    throw new Error(`${shell} -c ${JSON.stringify(script)}: the app never started`);
  }
  const appPid = Number(fs.readFileSync(`${out}.pid`, 'utf8'));
  const main = mainProcessPid(child);
  // The shell replaced itself with the app when the app is the main process.
  const exec = pidNamespace ? appPid === 1 : appPid === main;
  process.kill(main, 'SIGTERM');
  if (pidNamespace && !exec && !traps) {
    // PID 1 without a handler: the kernel dropped the signal when it was sent. End the
    // container as the kubelet would at the end of the grace period.
    process.kill(main, 'SIGKILL');
  }
  await exit;
  const reached = fs.existsSync(`${out}.term`);
  // Outside a PID namespace a shell killed by SIGTERM leaves the app running: end it.
  if (!pidNamespace && !exec && alive(appPid)) process.kill(appPid, 'SIGKILL');
  return { exec, reached };
}

describe.each(Object.keys(SHELLS) as ShellName[])('%s, run as a container runs it', shell => {
  beforeAll(() => requireProgram(SHELLS[shell].command[0], SHELLS[shell].package));

  test.each(SCRIPTS)('$script', async ({ script, traps }) => {
    const observed = await observe(shell, script, traps ?? false);
    const modelled = sigtermReachesApp(shell, scriptShape(script.replace(/APP/g, 'node server.js')));
    expect({ script, shell, reached: observed.reached }).toEqual({ script, shell, reached: modelled });
  }, 30_000);
});

/**
 * Runs `<init> <shell> -c <script>` as a container would (the init as PID 1), sends it SIGTERM,
 * and tells whether the app drained (it takes 300 ms) before the container ended. The container
 * ends when its PID 1 exits; outside a PID namespace what is left is killed then, as the kernel
 * does in one.
 */
async function observeInit(init: string[], shell: ShellName, script: string): Promise<boolean> {
  const out = path.join(dir, `init-${Math.random().toString(36).slice(2)}`);
  const words = [...init, ...SHELLS[shell].command, '-c', script.replace(/APP/g, APP)];
  const env = { ...process.env, OUT: out, DRAIN_MS: '300' };
  const child = pidNamespace
    ? spawn('unshare', ['-fp', '--mount-proc', ...words], { env, stdio: 'ignore' })
    : spawn(words[0], words.slice(1), { env, stdio: 'ignore' });
  let exited = false;
  const exit = new Promise<void>(resolve => child.on('exit', () => {
    exited = true;
    resolve();
  }));
  if (!await fileAppears(`${out}.pid`, () => exited)) {
    throw new Error(`${words.join(' ')}: the app never started`);
  }
  const appPid = Number(fs.readFileSync(`${out}.pid`, 'utf8'));
  process.kill(mainProcessPid(child), 'SIGTERM');
  await exit;
  if (!pidNamespace && alive(appPid)) process.kill(appPid, 'SIGKILL');
  return fs.existsSync(`${out}.drained`);
}

describe('an init in front of the shell (tini, dumb-init): the app drains only if the shell execs it', () => {
  beforeAll(() => {
    requireProgram('tini', 'tini');
    requireProgram('dumb-init', 'dumb-init');
  });

  test.each([
    [['tini', '--'], 'dash', 'APP'],
    [['tini', '-g', '--'], 'dash', 'APP'],
    [['dumb-init'], 'dash', 'APP'],
    [['tini', '--'], 'bash', 'APP'],
    [['tini', '-g', '--'], 'dash', 'exec APP'],
    [['dumb-init'], 'ash', 'cd /tmp && APP'],
  ] as Array<[string[], ShellName, string]>)('%j %s -c %s', async (init, shell, script) => {
    const drained = await observeInit(init, shell, script);
    const image = { dash: 'debian:12', bash: 'registry.access.redhat.com/ubi9/ubi', ash: 'alpine:3.20' }[shell];
    const shellWord = shell === 'ash' ? 'sh' : shell === 'dash' ? 'sh' : 'bash';
    const modelled = entrypointVerdict([...init, shellWord, '-c', script.replace(/APP/g, 'node server.js')], undefined, image)!.reaches === 'yes';
    expect({ init, shell, script, drained }).toEqual({ init, shell, script, drained: modelled });
  }, 30_000);
});

describe('the facts as measured', () => {
  test('the shells run as PID 1 of a new PID namespace on this machine (else as a parent process; both are modelled)', () => {
    // Recorded for the reader of the test report; the observations above hold either way.
    expect(typeof pidNamespace).toBe('boolean');
  });

  test('dash never replaces itself with the command of -c, one command or many', async () => {
    requireProgram('dash', 'dash');
    for (const script of ['APP', 'cd /tmp && APP']) {
      expect((await observe('dash', script, false)).exec).toBe(false);
    }
  }, 30_000);

  test('bash and busybox ash replace themselves with the last command of a plain list', async () => {
    requireProgram('busybox', 'busybox');
    for (const shell of ['bash', 'ash'] as ShellName[]) {
      expect((await observe(shell, 'cd /tmp && APP', false)).exec).toBe(true);
    }
  }, 30_000);
});

describe('image families: which shell `sh` is', () => {
  test.each([
    ['node:20', 'dash'], ['node:22-bookworm-slim', 'dash'], ['python:3.12-slim', 'dash'], ['golang:1.23', 'dash'],
    ['eclipse-temurin:21-jre-jammy', 'dash'], ['docker.io/library/ruby:3.3', 'dash'], ['bitnami/nginx:1.27', 'dash'],
    ['node:22-alpine3.20', 'ash'], ['alpine:3.20', 'ash'], ['busybox:1.36', 'ash'], ['python:3.12-alpine', 'ash'],
    ['registry.access.redhat.com/ubi9/ubi-minimal:9.4', 'bash'], ['amazoncorretto:21', 'bash'], ['eclipse-temurin:21-ubi9-minimal', 'bash'],
    ['mysql:8.4', 'bash'], ['rockylinux:9', 'bash'],
    ['ghcr.io/acme/api:1.4.2', undefined], ['gcr.io/distroless/nodejs22-debian12', undefined],
  ])('%s → %s', (image, sh) => {
    expect(imageFamilyOf(image)?.sh).toBe(sh);
  });
});

describe('GS006 and GS040 on manifests', () => {
  function deployment(image: string, command: string[], kind = 'Deployment'): any[] {
    const podSpec = { containers: [{ name: 'app', image, command, ports: [{ name: 'http', containerPort: 8080 }] }] };
    const spec = kind === 'Job' ? { template: { spec: { ...podSpec, restartPolicy: 'Never' } } }
      : { replicas: 2, selector: { matchLabels: { app: 'a' } }, template: { metadata: { labels: { app: 'a' } }, spec: podSpec } };
    return [
      { apiVersion: kind === 'Job' ? 'batch/v1' : 'apps/v1', kind, metadata: { name: 'a', namespace: 'n' }, spec },
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'a', namespace: 'n' }, spec: { selector: { app: 'a' }, ports: [{ port: 80, targetPort: 'http' }] } },
    ];
  }
  const shellFindings = (objects: any[]) => checkManifests(objects).findings.filter(f => f.ruleId === 'GS006' || f.ruleId === 'GS040')
    .map(f => `${f.ruleId} ${f.severity}`);

  test('one command through sh on a Debian-based image: GS006 error (dash never execs)', () => {
    const findings = checkManifests(deployment('node:20', ['sh', '-c', 'node server.js'])).findings.filter(f => f.ruleId === 'GS006');
    expect(findings.map(f => f.message)).toEqual([
      'runs "node server.js" through sh in image \'node:20\', a Debian-based image (docker-library Dockerfiles: FROM debian or buildpack-deps; '
      + 'nodejs/docker-node: FROM buildpack-deps:bookworm; bitnami: minideb), whose /bin/sh is dash: dash never replaces itself with a command of '
      + '`-c` (only `exec` does), so the shell stays PID 1, drops SIGTERM and the app is SIGKILLed after 30s without draining',
    ]);
  });

  test('the same on Alpine and UBI images: the shell execs the command, nothing to say', () => {
    expect(shellFindings(deployment('node:20-alpine', ['sh', '-c', 'node server.js']))).toEqual([]);
    expect(shellFindings(deployment('registry.access.redhat.com/ubi9/nodejs-20', ['sh', '-c', 'cd /srv && node server.js']))).toEqual([]);
  });

  test('exec works everywhere; a pipeline swallows everywhere', () => {
    expect(shellFindings(deployment('ghcr.io/acme/api:1', ['sh', '-c', 'exec node server.js']))).toEqual([]);
    expect(shellFindings(deployment('ghcr.io/acme/api:1', ['sh', '-c', 'node server.js | tee /tmp/log']))).toEqual(['GS006 error']);
  });

  test('an image of unknown family: GS040 warning, never silent', () => {
    const findings = checkManifests(deployment('ghcr.io/acme/api:1.4.2', ['sh', '-c', 'node server.js'])).findings.filter(f => f.ruleId === 'GS040');
    expect(findings.map(f => [f.severity, f.message])).toEqual([[
      'warning',
      'runs "node server.js" through sh in image \'ghcr.io/acme/api:1.4.2\', whose /bin/sh the manifest does not tell: under dash (/bin/sh of '
      + 'Debian and Ubuntu) the shell stays PID 1 and drops SIGTERM (dash never replaces itself with a command of `-c` (only `exec` does)); under the '
      + 'others the app gets it',
    ]]);
  });

  test('bash named explicitly is judged as bash whatever the image', () => {
    expect(shellFindings(deployment('node:20', ['bash', '-c', 'cd /srv && node server.js']))).toEqual([]);
    expect(shellFindings(deployment('node:20', ['bash', '-c', 'node server.js 2>&1']))).toEqual(['GS006 error']);
  });

  test('a Job whose shell swallows SIGTERM: a warning (its work is lost, not requests)', () => {
    expect(shellFindings(deployment('python:3.12', ['sh', '-c', 'python worker.py'], 'Job'))).toEqual(['GS006 warning']);
  });

  test('the verdict of an unknown shell is certain only where every shell agrees', () => {
    expect(shellVerdict('sh', 'node a.js | cat', 'ghcr.io/x/y:1').reaches).toBe('no');
    expect(shellVerdict('sh', 'exec node a.js', 'ghcr.io/x/y:1').reaches).toBe('yes');
    expect(shellVerdict('sh', 'node a.js 2>&1', 'ghcr.io/x/y:1')).toMatchObject({ reaches: 'depends', swallowedBy: ['dash', 'bash'] });
  });
});
