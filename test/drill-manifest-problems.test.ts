// What the drill refuses to run, and how it says so: fields the API server would reject (the
// checker's GS000, read by the same reader, with the same messages and each one's file and line),
// a manifest "file" that is no regular file or too large, and an app that crash-loops, named with
// its exit code and its last lines instead of running on to --max-seconds.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as yaml from 'js-yaml';
import { GRACEFUL_APP, tableManifest } from './drill-manifests';
import { main } from '../src/cli/graceful-drill';
import { DEFAULT_MAX_FILE_BYTES } from '../src/cli/inputs';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'drill-problems-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, t => { out += t; }, t => { err += t; });
  return { code, out, err };
}

/** The table manifest (a Deployment of 2 and its Service), changed by `edit`, written as YAML. */
function manifest(name: string, edit: (objects: any[]) => void): string {
  const objects = tableManifest(2, { maxSurge: 1, maxUnavailable: 0 });
  edit(objects);
  const file = path.join(dir, name);
  fs.writeFileSync(file, objects.map(o => yaml.dump(o)).join('---\n'));
  return file;
}

const HEADER = 'graceful-drill: the manifest has a field the API server would reject (graceful-check\'s GS000); the drill runs only what a cluster would run:';

describe('fields the API server would reject: refused with the checker\'s GS000 messages (exit 2, nothing started)', () => {
  test.each([
    ['replicas "3"', (o: any[]) => { o[0].spec.replicas = '3'; }, 'replicas.yaml:6  GS000  replicas is the string "3"; the API server accepts only a number here and rejects the object',
      'fix: write 3 without quotes'],
    ['maxSurge abc', (o: any[]) => { o[0].spec.strategy.rollingUpdate.maxSurge = 'abc'; }, 'maxsurge.yaml:11  GS000  maxSurge is "abc"; it must be a whole number or a percentage such as \'25%\'',
      'fix: use e.g. 1 or \'25%\''],
    ['terminationGracePeriodSeconds "5"', (o: any[]) => { o[0].spec.template.spec.terminationGracePeriodSeconds = '5'; },
      'grace.yaml:20  GS000  terminationGracePeriodSeconds is the string "5"; the API server accepts only a number here and rejects the object', 'fix: write 5 without quotes'],
    ['a PodDisruptionBudget\'s maxUnavailable abc', (o: any[]) => {
      o.push({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'pdb' }, spec: { maxUnavailable: 'abc', selector: { matchLabels: { app: 'table' } } } });
    }, 'pdb.yaml:53  GS000  maxUnavailable is "abc"; it must be a whole number or a percentage such as \'25%\'', 'fix: use e.g. 1 or \'25%\''],
    // The checker's reader does not read a probe's exec command yet; the drill reads it with the same field reader.
    ['a readiness probe\'s exec command written as a string', (o: any[]) => { o[0].spec.template.spec.containers[0].readinessProbe = { exec: { command: 'cat /tmp/ready' } }; },
      'probe.yaml:28  GS000  command is the string "cat /tmp/ready"; it must be a list of words, and the API server rejects a string',
      'fix: write it as a list, e.g. ["cat","/tmp/ready"]'],
  ])('%s', async (_what, edit, message, fix) => {
    const file = manifest(message.split(':')[0], edit);
    const { code, err } = await cli([file, '--exec', GRACEFUL_APP]);
    expect(code).toBe(2);
    expect(err).toContain(HEADER);
    expect(err).toContain(`graceful-drill:   ${path.join(dir, message)}`);
    expect(err).toContain(`graceful-drill:     ${fix}`);
    expect(err).not.toMatch(/TypeError|\n\s+at /);
  });
});

describe('the manifest file: a regular file of a manifest\'s size, read without blocking', () => {
  test('a device, a FIFO, a directory and a file over the size limit are refused at once, naming what they are', async () => {
    expect((await cli(['/dev/zero', '--exec', 'true'])).err).toBe(
      'graceful-drill: cannot read /dev/zero: a device; pass the manifest as a regular file, e.g. the YAML cdk8s synth wrote to dist/\n');
    const fifo = path.join(dir, 'pipe.yaml');
    execFileSync('mkfifo', [fifo]);
    const started = Date.now();
    const piped = await cli([fifo, '--exec', 'true']);
    expect(piped).toEqual({ code: 2, out: '', err: `graceful-drill: cannot read ${fifo}: a FIFO; pass the manifest as a regular file, e.g. the YAML cdk8s synth wrote to dist/\n` });
    expect(Date.now() - started).toBeLessThan(5000);
    expect((await cli([dir, '--exec', 'true'])).err).toContain(`cannot read ${dir}: a directory`);
    // A sparse file: as large as the limit says, without writing it.
    const big = path.join(dir, 'big.yaml');
    fs.writeFileSync(big, '');
    fs.truncateSync(big, DEFAULT_MAX_FILE_BYTES + 1);
    expect((await cli([big, '--exec', 'true'])).err).toBe(
      `graceful-drill: cannot read ${big}: ${DEFAULT_MAX_FILE_BYTES + 1} bytes is over the ${DEFAULT_MAX_FILE_BYTES}-byte limit of a manifest; pass the workload's own manifest\n`);
  });
});

describe('an app that crash-loops is named, with its exit code and its last lines', () => {
  test('the new revision exits 3 at every start: the drill stops and says so, not at --max-seconds', async () => {
    const file = manifest('crash.yaml', () => undefined);
    const exec = `sh -c 'if [ -n "$CRASH" ]; then echo cannot open /data/db >&2; exit 3; fi; exec ${GRACEFUL_APP}'`;
    const started = Date.now();
    const { code, out, err } = await cli([file, '--exec', exec, '--new-env', 'CRASH=1', '--restart-backoff', '1', '--time-scale', '0.2', '--warmup', '1', '--settle', '1',
      '--lag', '0', '--max-seconds', '120']);
    expect(code).toBe(1);
    expect(Date.now() - started).toBeLessThan(60_000);
    const reason = `the app of pod table-r2-2 crash-loops: it exited with code 3, 3 times (restarted after --restart-backoff each time); check that '${exec}' `
      + 'keeps running with the new revision\'s env (--new-env); its last lines: cannot open /data/db';
    expect(err).toContain(`graceful-drill: stopping (${reason})`);
    expect(out).toContain(`STOPPED EARLY (${reason})`);
  }, 90_000);
});
