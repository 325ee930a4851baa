// The checker CLI lowers the priority of V8's helper threads so that, on a small machine, they
// run on the cores its main thread leaves free (src/cli/helper-threads.ts). Observed in real
// processes through /proc: the nice value of each thread, before and after.
import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { HELPER_THREAD_NICE, yieldHelperThreads } from '../src/cli/helper-threads';

const ROOT = path.join(__dirname, '..');
/**
 * Bound on a test that starts Node processes: far above the fraction of a second they take, so a
 * machine busy with the other test files never fails them; a CLI that never lowers its helpers
 * fails the second test at this bound.
 */
const PROCESS_TEST_BOUND_MS = 60_000;

/** Each thread's nice value (field 19 of /proc/<pid>/task/<tid>/stat), by thread id. */
function niceByThread(pid: number | 'self'): Map<number, number> {
  const out = new Map<number, number>();
  for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    } catch {
      continue; // the thread ended between the listing and the read
    }
    // Fields after the command name (which may hold spaces) start at field 3.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    out.set(Number(tid), Number(fields[19 - 3]));
  }
  return out;
}

/** A fresh Node process that calls yieldHelperThreads, then reports every thread's nice and a new worker thread's. */
const PROBE = `
const fs = require('fs');
const { Worker } = require('worker_threads');
const nice = tid => { const s = fs.readFileSync('/proc/self/task/' + tid + '/stat', 'utf8'); return Number(s.slice(s.lastIndexOf(')') + 2).split(' ')[16]); };
const threads = () => fs.readdirSync('/proc/self/task').map(Number);
const before = Object.fromEntries(threads().map(t => [t, nice(t)]));
const changed = require(${JSON.stringify(path.join(ROOT, 'lib', 'cli', 'helper-threads.js'))}).yieldHelperThreads();
const after = Object.fromEntries(threads().map(t => [t, nice(t)]));
const known = new Set(threads());
// A worker started afterwards by the main thread: its thread is the one that was not there.
const w = new Worker('require("worker_threads").parentPort.postMessage(0); setInterval(() => {}, 1000)', { eval: true });
w.once('message', () => {
  const started = threads().filter(t => !known.has(t)).map(t => nice(t));
  console.log(JSON.stringify({ pid: process.pid, changed, before, after, started }));
  w.terminate();
});
`;

// The tests run where CI runs them, on Linux (.ci/run); elsewhere the first two fail on /proc.
describe('helper threads yield to the main thread (Linux)', () => {
  test('every thread but the main one gets the helper nice; the main thread and later threads keep theirs', () => {
    const result = spawnSync(process.execPath, ['-e', PROBE], { encoding: 'utf8' });
    expect(result.stderr).toBe('');
    const { pid, changed, before, after, started } = JSON.parse(result.stdout);
    const mainBefore = before[pid];
    expect(after[pid]).toBe(mainBefore);
    const helpers = Object.keys(after).map(Number).filter(t => t !== pid);
    // Node starts V8's platform workers before any script runs: there is something to lower.
    expect(helpers.length).toBeGreaterThanOrEqual(1);
    expect(changed).toBe(helpers.length);
    for (const t of helpers) {
      expect(before[t]).toBe(mainBefore);
      expect(after[t]).toBe(HELPER_THREAD_NICE);
    }
    // A thread the main thread starts later inherits the main thread's priority, not the helpers'.
    expect(started.length).toBeGreaterThanOrEqual(1);
    for (const n of started) expect(n).toBe(mainBefore);
  }, PROCESS_TEST_BOUND_MS);

  // A CLI that never lowers them keeps the poll below looking until jest's timeout; the child is
  // then killed here, which ends the poll, so a failure cannot leave the run hanging.
  let child: ChildProcess | undefined;
  afterEach(() => {
    child?.kill('SIGKILL');
    child = undefined;
  });

  test('bin/graceful-check lowers them before it checks anything', async () => {
    // The CLI reading stdin ('-') blocks until stdin closes: its threads are looked at meanwhile.
    const cli = spawn(process.execPath, [path.join(ROOT, 'bin', 'graceful-check'), '-'], { stdio: ['pipe', 'ignore', 'ignore'] });
    child = cli;
    let alive = true;
    const exited = new Promise<number | null>(resolve => cli.once('exit', code => {
      alive = false;
      resolve(code);
    }));
    let threads = new Map<number, number>();
    // Waits for the event: every helper lowered (or the child gone).
    while (alive) {
      threads = niceByThread(cli.pid!);
      const helpers = [...threads].filter(([tid]) => tid !== cli.pid);
      if (helpers.length > 0 && helpers.every(([, n]) => n === HELPER_THREAD_NICE)) break;
      // A pause between looks, so the poll does not take the CPU the child needs to start.
      await new Promise(resolve => setTimeout(resolve, 5));
    }
    expect(alive).toBe(true);
    expect(threads.get(cli.pid!)).toBe(niceByThread('self').get(process.pid));
    cli.stdin!.end('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n');
    expect(await exited).toBe(0);
  }, PROCESS_TEST_BOUND_MS);

  test('other systems keep their scheduling as it is', () => {
    expect(yieldHelperThreads('darwin')).toBe(0);
    expect(yieldHelperThreads('win32')).toBe(0);
  });
});
