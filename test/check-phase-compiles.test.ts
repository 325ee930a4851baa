// The checker CLI compiles its check phase without inlining, once its input is parsed
// (src/cli/check-phase-compiles.ts). Observed in real processes: the bin sets the flag, after it
// has read its input and before any rule runs, and the output is the same as without it.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CHECK_PHASE_V8_FLAGS, compileCheckPhaseWithoutInlining } from '../src/cli/check-phase-compiles';

const ROOT = path.join(__dirname, '..');
const FIXTURE = path.join(ROOT, 'test', 'fixtures', 'checker', 'helm-output.yaml');
/** Bound on a test that starts Node processes: far above the fraction of a second they take. */
const PROCESS_TEST_BOUND_MS = 60_000;

/**
 * Preloaded into the bin's process: records each V8 flag it sets, with how many manifests had
 * been parsed and how many rules had run by then, and prints the record on stderr at exit.
 */
const PROBE = `
const v8 = require('v8');
const Module = require('module');
const calls = [];
let parsed = 0;
let rulesRun = 0;
const setFlags = v8.setFlagsFromString;
v8.setFlagsFromString = flags => { calls.push({ flags, parsed, rulesRun }); setFlags(flags); };
const load = Module.prototype.load;
Module.prototype.load = function (file) {
  load.call(this, file);
  if (file.endsWith('/lib/manifest/load.js')) {
    const loadManifests = this.exports.loadManifests;
    this.exports.loadManifests = (...a) => { const r = loadManifests(...a); parsed += r.objects.length; return r; };
  }
  if (file.endsWith('/lib/checks/registry.js')) {
    for (const rule of this.exports.RULES) {
      const check = rule.check;
      const counted = ctx => { rulesRun++; return check(ctx); };
      if (check.workloadCheck) counted.workloadCheck = ctx => { rulesRun++; return check.workloadCheck(ctx); };
      rule.check = counted;
    }
  }
};
process.on('exit', () => process.stderr.write('PROBE ' + JSON.stringify(calls) + '\\n'));
`;

function runBin(preload: string[], args: string[]): { stdout: string; stderr: string; status: number | null } {
  const r = spawnSync(process.execPath, [...preload, path.join(ROOT, 'bin', 'graceful-check'), ...args], { encoding: 'utf8' });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}

describe('the CLI compiles its check phase without inlining', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'check-phase-compiles-'));
    fs.writeFileSync(path.join(dir, 'probe.js'), PROBE);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('bin/graceful-check sets the flag once, after parsing its input and before any rule runs', () => {
    const { stderr, status } = runBin(['-r', path.join(dir, 'probe.js')], [FIXTURE]);
    expect(status).toBe(1); // the fixture has errors
    const calls = JSON.parse(/^PROBE (.*)$/m.exec(stderr)![1]);
    expect(calls).toEqual([{ flags: CHECK_PHASE_V8_FLAGS, parsed: 11, rulesRun: 0 }]);
  }, PROCESS_TEST_BOUND_MS);

  test('the output is the same with and without it, in every format', () => {
    for (const output of ['text', 'json', 'sarif']) {
      // The same CLI, its hook left out: main() run by a script of its own.
      const plain = spawnSync(process.execPath, ['-e', `
        const { main } = require(${JSON.stringify(path.join(ROOT, 'lib', 'cli', 'graceful-check.js'))});
        process.exitCode = main(process.argv.slice(1), { stdout: t => process.stdout.write(t), stderr: t => process.stderr.write(t), readStdin: () => '', cwd: process.cwd() });
      `, FIXTURE, '-o', output], { encoding: 'utf8' });
      const tuned = runBin([], [FIXTURE, '-o', output]);
      expect(plain.stdout.length).toBeGreaterThan(0);
      expect(tuned.stdout).toBe(plain.stdout);
      expect(tuned.status).toBe(plain.status);
    }
  }, PROCESS_TEST_BOUND_MS);

  test('sets exactly the flag it names', () => {
    const set: string[] = [];
    compileCheckPhaseWithoutInlining(flags => set.push(flags));
    expect(set).toEqual(['--no-turbo-inlining']);
  });
});
