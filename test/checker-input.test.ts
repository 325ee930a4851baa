// graceful-check on bad input: one bad document or directory entry never hides the others,
// resources stay bounded, fields are read as the API server reads them, and every refusal
// says what is wrong. Also the controls real repositories need (rules, thresholds, config).
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { checkManifests } from '../src/checks';
import { main } from '../src/cli/graceful-check';
import { expandedNodeCount, loadManifests } from '../src/manifest/load';
import { preStopOf, shellScriptOf } from '../src/manifest/pre-stop-hook';

function run(args: string[], options: { stdin?: string; cwd?: string } = {}): { code: number; stdout: string; stderr: string } {
  let stdout = '';
  let stderr = '';
  const code = main(args, { stdout: t => { stdout += t; }, stderr: t => { stderr += t; }, readStdin: () => options.stdin ?? '', cwd: options.cwd ?? os.tmpdir() });
  return { code, stdout, stderr };
}

function tmpdir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'graceful-check-'));
}

/** A graceful web Deployment as YAML, with one field replaced. */
function web(name: string, patch: (spec: string) => string = s => s): string {
  const spec = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
spec:
  replicas: 2
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      terminationGracePeriodSeconds: 40
      topologySpreadConstraints: [{maxSkew: 1, topologyKey: kubernetes.io/hostname, whenUnsatisfiable: ScheduleAnyway}]
      containers:
        - name: app
          image: ghcr.io/acme/${name}:1
          ports: [{containerPort: 8080}]
          readinessProbe: {httpGet: {path: /ready, port: 8080}}
          lifecycle: {preStop: {exec: {command: [sleep, "15"]}}}
`;
  return patch(spec);
}

const BROKEN_FIELDS: Array<[string, (s: string) => string, RegExp]> = [
  ['replicas as a string', s => s.replace('replicas: 2', 'replicas: "3"'), /replicas is the string "3"; the API server accepts only a number/],
  ['grace as a string', s => s.replace('terminationGracePeriodSeconds: 40', 'terminationGracePeriodSeconds: "40"'), /terminationGracePeriodSeconds is the string "40"/],
  ['maxSurge: abc', s => s.replace('  replicas: 2', '  replicas: 2\n  strategy: {rollingUpdate: {maxSurge: abc, maxUnavailable: 0}}'), /maxSurge is "abc"; it must be a whole number or a percentage/],
  ['maxUnavailable 200%', s => s.replace('  replicas: 2', '  replicas: 2\n  strategy: {rollingUpdate: {maxSurge: 1, maxUnavailable: "200%"}}'), /maxUnavailable is "200%"; a percentage here must be at most 100%/],
  ['maxSurge -1', s => s.replace('  replicas: 2', '  replicas: 2\n  strategy: {rollingUpdate: {maxSurge: -1, maxUnavailable: 0}}'), /maxSurge is -1; it must be a whole number of zero or more/],
  ['exec.command as a string', s => s.replace('command: [sleep, "15"]', 'command: "sleep 15"'), /command is the string "sleep 15"; it must be a list of words/],
  ['containers as a map', s => s.replace(/containers:[\s\S]*$/, 'containers: {name: app}\n'), /containers is \{"name":"app"\}; it must be a list/],
  ['an empty probe', s => s.replace('readinessProbe: {httpGet: {path: /ready, port: 8080}}', 'readinessProbe: {}'), /readinessProbe has no handler .*; it is not a probe/],
  ['a negative grace', s => s.replace('terminationGracePeriodSeconds: 40', 'terminationGracePeriodSeconds: -5'), /Kubernetes runs a negative grace period as 1s/],
  ['a port out of range', s => s.replace('containerPort: 8080', 'containerPort: 70000'), /containerPort is 70000; it must be at most 65535/],
  ['a huge value', s => s.replace('image: ghcr.io/acme/bad:1', `image: [${'"x",'.repeat(5000)}"x"]`), /image is \["x","x","x".*,\.\.\.\]; it must be a string/],
];

describe('one bad document never hides the others', () => {
  test.each(BROKEN_FIELDS)('%s: reported with file:line as GS000, every other document still checked', (_name, patch, message) => {
    const text = [web('good-a'), web('bad', patch), web('good-b', s => s.replace('      topologySpreadConstraints', '      # no spread\n      tolerations'))].join('---\n');
    for (const output of ['text', 'json', 'sarif']) {
      const { code, stdout } = run(['-', '-o', output], { stdin: text });
      expect(code).toBe(1);
      if (output === 'json') {
        const report = JSON.parse(stdout);
        const gs000 = report.findings.find((f: any) => f.ruleId === 'GS000');
        expect(gs000).toMatchObject({ kind: 'Deployment', name: 'bad', file: '<stdin>' });
        expect(gs000.message).toMatch(message);
        expect(gs000.line).toBeGreaterThan(19);
        // The third document is still checked: its missing spread is reported.
        expect(report.findings.map((f: any) => `${f.ruleId} ${f.name}`)).toContain('GS014 good-b');
      } else if (output === 'sarif') {
        const results = JSON.parse(stdout).runs[0].results;
        expect(results.some((r: any) => r.ruleId === 'GS000')).toBe(true);
        expect(results.some((r: any) => r.ruleId === 'GS014')).toBe(true);
      } else {
        expect(stdout).toMatch(/GS000/);
        expect(stdout).toMatch(/GS014/);
      }
    }
  });

  test('a parse error in one document: the others are checked, exit 2 in every format', () => {
    const text = [web('a'), 'kind: [unclosed\n', web('b', s => s.replace('      topologySpreadConstraints', '      tolerations'))].join('---\n');
    for (const output of ['text', 'json', 'sarif']) {
      const { code, stdout } = run(['-', '-o', output], { stdin: text });
      expect(code).toBe(2);
      expect(stdout).toContain('GS014');
    }
    expect(JSON.parse(run(['-', '-o', 'sarif'], { stdin: text }).stdout).runs[0].invocations[0].toolExecutionNotifications[0].message.text).toMatch(/^parse error/);
  });

  test('deeply nested values: a parse error for that document only', () => {
    const deep = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: deep}\ndata: ${'['.repeat(20000)}${']'.repeat(20000)}\n`;
    const { code, stdout } = run(['-', '-o', 'json'], { stdin: [deep, web('a', s => s.replace('replicas: 2', 'replicas: 1'))].join('---\n') });
    expect(code).toBe(2);
    const report = JSON.parse(stdout);
    expect(report.parseErrors).toHaveLength(1);
    expect(report.findings.map((f: any) => f.ruleId)).toEqual(['GS009']);
  });
});

describe('kinds, names and empty input', () => {
  test('kind: deployment, a missing kind or apiVersion: problems named in the summary, not dropped', () => {
    const text = [
      web('a').replace('kind: Deployment', 'kind: deployment'),
      'apiVersion: v1\nmetadata: {name: nokind}\n',
      'kind: Service\nmetadata: {name: noversion}\nspec: {ports: [{port: 80}]}\n',
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\n',
      '- just\n- a list\n',
    ].join('---\n');
    const { code, stdout } = run(['-'], { stdin: text });
    expect(code).toBe(1);
    expect(stdout).toContain("problem: deployment 'a': kind 'deployment' is not a Kubernetes kind (kinds are case-sensitive); did you mean 'Deployment'?");
    expect(stdout).toContain("problem: an object named 'nokind' has no kind; the API server rejects it. Add kind: and apiVersion:");
    expect(stdout).toContain("problem: Service 'noversion' has no apiVersion");
    expect(stdout).toMatch(/not checked: .*kind 'deployment' \(did you mean Deployment\?\) ×1/);
    expect(stdout).toMatch(/ConfigMap ×1/);
    expect(stdout).toMatch(/documents that are not objects ×2/);
  });

  test('empty input (a generator that printed nothing) is said plainly: exit 2, or 0 with --allow-empty', () => {
    const empty = run(['-'], { stdin: '\n# nothing\n' });
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('the input holds no Kubernetes object (<stdin> is empty)');
    expect(empty.stderr).toContain('helm template');
    expect(run(['-', '--allow-empty'], { stdin: '' }).code).toBe(0);
  });
});

describe('directories and files', () => {
  test('symlink loops, dangling links, links out of the directory, FIFOs and devices are reported and skipped; the rest is checked', () => {
    const dir = tmpdir();
    fs.writeFileSync(path.join(dir, 'a.yaml'), web('a', s => s.replace('replicas: 2', 'replicas: 1')));
    fs.mkdirSync(path.join(dir, 'sub'));
    fs.writeFileSync(path.join(dir, 'sub', 'b.yaml'), web('b', s => s.replace('replicas: 2', 'replicas: 1')));
    fs.symlinkSync('..', path.join(dir, 'sub', 'loop'));
    fs.symlinkSync('nowhere.yaml', path.join(dir, 'dangling.yaml'));
    fs.symlinkSync('/dev/null', path.join(dir, 'device.yaml'));
    execFileSync('mkfifo', [path.join(dir, 'pipe.yaml')]);
    const { code, stdout, stderr } = run([dir, '-o', 'json']);
    expect(code).toBe(2);
    expect(JSON.parse(stdout).findings.map((f: any) => `${f.ruleId} ${f.name}`)).toEqual(['GS009 a', 'GS009 b']);
    expect(stderr).toContain('dangling.yaml: a dangling symbolic link');
    // A link out of the named directory is not followed (a link to / would walk the disk).
    expect(stderr).toContain(`device.yaml: a symbolic link out of ${fs.realpathSync(dir)} (to /dev/null); name it as an input to read it`);
    expect(stderr).toContain('pipe.yaml: a FIFO; only regular files are read');
    expect(stderr).toMatch(/loop: already read through another path/);
    // Named directly, the device is refused as a device.
    expect(run([path.join(dir, 'device.yaml')]).stderr).toContain('device.yaml: a device; only regular files are read');
  });

  test('each file is read once, however it is named: twice, through its directory, or through a link inside the tree', () => {
    const dir = tmpdir();
    fs.writeFileSync(path.join(dir, 'a.yaml'), web('a', s => s.replace('replicas: 2', 'replicas: 1')));
    fs.symlinkSync('a.yaml', path.join(dir, 'same.yaml'));
    const { stdout, stderr } = run([dir, path.join(dir, 'a.yaml'), path.join(dir, 'a.yaml'), '-o', 'json']);
    const report = JSON.parse(stdout);
    expect([report.fileCount, report.objectCount, report.findings.map((f: any) => f.ruleId)]).toEqual([1, 1, ['GS009']]);
    expect(stderr).toContain(`same.yaml: the same file as ${path.join(dir, 'a.yaml')}, read once`);
  });

  test('a link to / inside a named directory is not followed', () => {
    const dir = tmpdir();
    fs.writeFileSync(path.join(dir, 'a.yaml'), web('a'));
    fs.symlinkSync('/', path.join(dir, 'root'));
    const { stdout, stderr } = run([dir, '-o', 'json']);
    expect(JSON.parse(stdout).fileCount).toBe(1);
    expect(stderr).toContain(`root: a symbolic link out of ${fs.realpathSync(dir)} (to /); name it as an input to read it`);
  });

  test('a file over the size limit is refused with the numbers; the limit is configurable', () => {
    const dir = tmpdir();
    fs.writeFileSync(path.join(dir, 'big.yaml'), web('big'));
    const refused = run(['big.yaml', '--max-file-size', '100'], { cwd: dir });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/big\.yaml: \d+ bytes is over the 100-byte limit; raise it with --max-file-size/);
    expect(run(['big.yaml', '--max-file-size', '0'], { cwd: dir }).stderr).toContain("--max-file-size takes a whole number of bytes above 0 (got '0')");
    expect(run(['big.yaml'], { cwd: dir }).code).toBe(0);
  });
});

describe('resource bounds', () => {
  test('a YAML alias bomb is refused fast, the other documents are checked', () => {
    const levels = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 9; i++) {
      const prev = String.fromCharCode(96 + i);
      const name = String.fromCharCode(97 + i);
      levels.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(',')}]`);
    }
    const bomb = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: lol}\ndata:\n${levels.map(l => `  ${l}`).join('\n')}\n`;
    const started = Date.now();
    const { code, stdout } = run(['-', '-o', 'json'], { stdin: [bomb, web('a', s => s.replace('replicas: 2', 'replicas: 1'))].join('---\n') });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(code).toBe(2);
    const report = JSON.parse(stdout);
    expect(report.parseErrors[0].message).toMatch(/expands to more than 1000000 nodes through YAML aliases/);
    expect(report.findings.map((f: any) => f.ruleId)).toEqual(['GS009']);
  });

  test('an alias bomb is refused however its anchors and aliases are written (block, flow, root); a cron schedule is no alias', () => {
    const nine = (item: string) => Array(9).fill(item).join(', ');
    const levels = (write: (name: string, items: string) => string) => {
      const lines = [write('a', nine('"x"'))];
      for (let i = 1; i < 9; i++) lines.push(write(String.fromCharCode(97 + i), nine(`*${String.fromCharCode(96 + i)}`)));
      return lines;
    };
    const header = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: lol}\n';
    const spellings = [
      // Anchors after a key, aliases in flow lists.
      `${header}data:\n${levels((n, items) => `  ${n}: &${n} [${items}]`).join('\n')}\n`,
      // Anchors and aliases in a flow list written without spaces: after a bracket or a comma.
      `${header}data: [${levels((n, items) => `&${n} [${items.replace(/, /g, ',')}]`).join(',')}]\n`,
      // Block lists: aliases after a dash.
      `${header}data:\n${levels((n, items) => `  ${n}: &${n}\n${items.split(', ').map(i => `    - ${i}`).join('\n')}`).join('\n')}\n`,
    ];
    for (const text of spellings) {
      const { errors } = loadManifests(text, 'bomb.yaml');
      expect(errors.map(e => e.message)).toEqual([expect.stringMatching(/expands to more than 1000000 nodes through YAML aliases/)]);
    }
    // A root anchor (at the line start) with aliases below: counted, small, read.
    expect(loadManifests('&root\nkind: ConfigMap\ndata: {a: &x "1", b: *x}\n', 'r.yaml').objects[0].object.data).toEqual({ a: '1', b: '1' });
    // Stars in a quoted schedule and `&&` in a script: read as written.
    const cron = 'apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: c}\nspec:\n  schedule: "*/5 * * * *"\n  jobTemplate: {spec: {template: {spec: {containers: [{name: c, command: [sh, -c, "a && b"]}]}}}}\n';
    const [cronJob] = loadManifests(cron, 'c.yaml').objects;
    expect(cronJob.object.spec.schedule).toBe('*/5 * * * *');
  });

  test('expanded size is counted without expanding, and a reference cycle is infinite', () => {
    const shared = { x: [1, 2, 3] };
    expect(expandedNodeCount({ a: shared, b: shared })).toBe(11);
    const cycle: any = { self: undefined };
    cycle.self = cycle;
    expect(expandedNodeCount(cycle)).toBe(Infinity);
  });

  test('150,000 documents in one input: no stack overflow, every document read', () => {
    const doc = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n';
    const text = Array(150_000).fill(doc).join('---\n');
    const { objects, errors } = loadManifests(text, 'many.yaml');
    expect(errors).toEqual([]);
    expect(objects).toHaveLength(150_000);
    expect(checkManifests(objects.map(o => o.object)).skipped).toEqual([{ reason: 'ConfigMap', count: 150_000 }]);
  }, 60_000);
});

describe('heuristics that were easy to evade', () => {
  test.each([
    [{ exec: { command: ['sleep', '0'] } }, 0, true],
    [{ exec: { command: ['sleep', 'infinity'] } }, Infinity, true],
    [{ exec: { command: ['sleep', '1m'] } }, 60, true],
    [{ exec: { command: ['sh', '-c', 'sleep $DELAY'] } }, undefined, false],
    [{ exec: { command: ['/usr/bin/env', 'bash', '-c', 'sleep 20'] } }, 20, true],
    [{ exec: { command: ['sh', '-c', 'sleep 5 && nginx -s quit'] } }, 5, false],
    [{ exec: { command: ['nginx', '-s', 'quit'] } }, 0, false],
  ])('%j: %s s', (hook, seconds, plain) => {
    const view = preStopOf({ lifecycle: { preStop: hook } });
    expect(view.seconds).toBe(seconds);
    expect(view.plainSleep ?? false).toBe(plain);
  });

  test('sleep 0 is no delay (GS003), sleep infinity outlasts any grace (GS004), nginx -s quit alone stops at once (GS023)', () => {
    const ids = (hook: any) => {
      const text = web('a', s => s.replace('{exec: {command: [sleep, "15"]}}', JSON.stringify(hook)));
      return JSON.parse(run(['-', '-o', 'json'], { stdin: text }).stdout).findings.filter((f: any) => f.severity === 'error').map((f: any) => f.ruleId);
    };
    expect(ids({ exec: { command: ['sleep', '0'] } })).toEqual(['GS003']);
    expect(ids({ exec: { command: ['sleep', 'infinity'] } })).toEqual(['GS004']);
    expect(ids({ exec: { command: ['nginx', '-s', 'quit'] } })).toEqual(['GS023']);
    expect(ids({ exec: { command: ['sh', '-c', 'sleep 15 && nginx -s quit'] } })).toEqual([]);
  });

  test('a drain annotation that is not a number is reported, not silently read as absent', () => {
    const text = web('a', s => s.replace('    metadata: {labels: {app: a}}', '    metadata:\n      labels: {app: a}\n      annotations: {graceful-k8s.io/drain-seconds: soon}'));
    const finding = JSON.parse(run(['-', '-o', 'json'], { stdin: text }).stdout).findings[0];
    expect(finding.ruleId).toBe('GS000');
    expect(finding.message).toContain("annotation 'graceful-k8s.io/drain-seconds' is \"soon\", not a number of seconds");
  });

  test('/usr/bin/env bash -c is a shell, judged as bash: the last command of a plain list is exec\'d, one with a redirection is not', () => {
    expect(shellScriptOf(['/usr/bin/env', 'bash', '-c', 'node server.js && echo done'], undefined)).toBe('node server.js && echo done');
    const ids = (command: string[]) => JSON.parse(run(['-', '-o', 'json'], {
      stdin: web('a', s => s.replace('          ports:', `          command: ${JSON.stringify(command)}\n          ports:`)),
    }).stdout).findings.filter((f: any) => f.ruleId === 'GS006' || f.ruleId === 'GS040').map((f: any) => `${f.ruleId} ${f.severity}`);
    expect(ids(['/usr/bin/env', 'bash', '-c', 'migrate && node server.js'])).toEqual([]);
    expect(ids(['/usr/bin/env', 'bash', '-c', 'migrate && node server.js 2>&1'])).toEqual(['GS006 error']);
    // `sh` in an image of unknown family: dash would swallow it, bash and ash would not.
    expect(ids(['sh', '-c', 'node server.js --port $PORT'])).toEqual(['GS040 warning']);
  });
});

describe('controls for real repositories', () => {
  const noisy = () => web('a', s => s.replace('replicas: 2', 'replicas: 1').replace('      topologySpreadConstraints', '      tolerations'));

  test('--disable and --enable choose the rules; unknown ids are refused', () => {
    expect(JSON.parse(run(['-', '-o', 'json', '--disable', 'GS009'], { stdin: noisy() }).stdout).findings).toEqual([]);
    const broken = web('b', s => s.replace('replicas: 2', 'replicas: "1"'));
    expect(JSON.parse(run(['-', '-o', 'json', '--enable', 'gs000,GS009'], { stdin: broken }).stdout).findings.map((f: any) => f.ruleId)).toEqual(['GS000', 'GS009']);
    // An unknown id is a usage error (exit 2), not a silent no-op; so is a rule both disabled and enabled.
    expect(run(['-', '--disable', 'GS999'], { stdin: noisy() })).toMatchObject({ code: 2, stderr: expect.stringContaining('--disable: unknown rule(s) GS999; known rules are GS000-') });
    expect(run(['-', '--enable', 'GS09'], { stdin: noisy() })).toMatchObject({ code: 2, stderr: expect.stringContaining('--enable: unknown rule(s) GS09;') });
    expect(run(['-', '--disable', 'GS009', '--enable', 'gs009'], { stdin: noisy() })).toMatchObject({
      code: 2, stderr: expect.stringContaining('GS009 is both disabled and enabled (flags or .graceful-check.yaml); keep it in one of the two'),
    });
  });

  test('--fail-on warning|never changes the exit code; a bad value is a usage error', () => {
    expect(run(['-'], { stdin: noisy() }).code).toBe(0);
    expect(run(['-', '--fail-on', 'warning'], { stdin: noisy() }).code).toBe(1);
    const errors = web('b', s => s.replace('readinessProbe: {httpGet: {path: /ready, port: 8080}}', 'env: []'));
    expect(run(['-', '--fail-on', 'never'], { stdin: errors }).code).toBe(0);
    expect(run(['-', '--fail-on', 'sometimes'], { stdin: errors }).stderr).toContain("--fail-on must be error, warning or never (got 'sometimes')");
  });

  test('.graceful-check.yaml is found upward from the inputs: exclude, suppress, failOn', () => {
    const root = tmpdir();
    fs.mkdirSync(path.join(root, 'vendor', 'chart'), { recursive: true });
    fs.writeFileSync(path.join(root, '.graceful-check.yaml'), [
      'failOn: warning',
      'exclude:',
      '  - { kind: Deployment, name: "vendored-*" }',
      'suppress:',
      '  Deployment/a:',
      '    GS009: "a leader-elected singleton by design"',
    ].join('\n') + '\n');
    const spreadless = web('b', s => s.replace('      topologySpreadConstraints', '      tolerations'));
    fs.writeFileSync(path.join(root, 'vendor', 'chart', 'all.yaml'), [noisy(), noisy().replace(/name: a\b/, 'name: vendored-x'), spreadless].join('---\n'));
    const { code, stdout } = run(['vendor/chart/all.yaml', '-o', 'json'], { cwd: root });
    const report = JSON.parse(stdout);
    expect(report.findings.map((f: any) => `${f.ruleId} ${f.name}`)).toEqual(['GS011 b', 'GS014 b']);
    expect(report.excludedCount).toBe(1);
    expect(report.suppressed.map((f: any) => `${f.ruleId} ${f.name}`)).toEqual(['GS009 a']);
    expect(code).toBe(1); // failOn: warning
    expect(run(['vendor/chart/all.yaml', '--no-config'], { cwd: root }).code).toBe(0);
  });

  test('a bad configuration file is a usage error naming the file and the key', () => {
    const root = tmpdir();
    fs.writeFileSync(path.join(root, '.graceful-check.yaml'), 'disabled: [GS009]\n');
    fs.writeFileSync(path.join(root, 'a.yaml'), noisy());
    const { code, stderr } = run(['a.yaml'], { cwd: root });
    expect(code).toBe(2);
    expect(stderr).toMatch(/\.graceful-check\.yaml: unknown key\(s\) disabled; known keys are disable, enable, severity, failOn, routes, exclude, suppress/);
  });

  test('--routes shows what routes traffic to each workload', () => {
    const text = [web('a'), 'apiVersion: v1\nkind: Service\nmetadata: {name: a}\nspec: {selector: {app: a}, ports: [{name: http, port: 80, targetPort: 8080}]}\n'].join('---\n');
    const { stdout } = run(['-', '--routes'], { stdin: text });
    expect(stdout).toContain("traffic to Deployment 'a':\n  container 'app': routed\n    port 8080 <- Service 'a' port 80 'http' (client) via kube-proxy");
  });
});
