#!/usr/bin/env node
// One variant of bench/check-bench.js in this (fresh) process: prints {"seconds", "maxRssMiB"}.
// The time counts from the process start (node's own start-up included), as a user waits for it.
// Every variant's process starts as bin/graceful-check does: V8's helper threads yield to the
// main thread (src/cli/helper-threads.ts). The floor is measured under the same set-up, so the
// ratio compares the work, not the scheduling; BENCH_HELPER_THREADS=default leaves them as Node
// starts them, to show what the set-up is worth. The checker's variants also compile their check
// phase without inlining, as the bin does once its input is parsed (src/cli/check-phase-compiles.ts;
// the floor has no check phase); BENCH_CHECK_PHASE_COMPILES=default leaves V8's flags alone.
const { performance } = require('perf_hooks');
const fs = require('fs');
const path = require('path');

const [variant, file, objects] = process.argv.slice(2);
const root = path.join(__dirname, '..');
if (process.env.BENCH_HELPER_THREADS !== 'default') require(path.join(root, 'lib', 'cli', 'helper-threads.js')).yieldHelperThreads();

if (variant === 'js-yaml loadAll (floor)') {
  const n = require('js-yaml').loadAll(fs.readFileSync(file, 'utf8')).length;
  if (n !== Number(objects)) throw new Error(`js-yaml read ${n} documents`);
} else if (variant === 'yaml parseAllDocuments + toJSON') {
  const n = require('yaml').parseAllDocuments(fs.readFileSync(file, 'utf8')).map(d => d.toJSON()).length;
  if (n !== Number(objects)) throw new Error(`yaml read ${n} documents`);
} else {
  // As bin/graceful-check does, with the output discarded (it is written, not printed).
  const { main } = require(path.join(root, 'lib', 'cli', 'graceful-check.js'));
  let bytes = 0;
  // 150,000 objects are 75 MiB of YAML, over the default 64 MiB input limit: raised as a user would.
  const args = [file, '--max-file-size', String(256 * 2 ** 20), ...(variant.endsWith('sarif') ? ['--output', 'sarif'] : [])];
  const beforeCheck = process.env.BENCH_CHECK_PHASE_COMPILES === 'default' ? undefined
    : () => require(path.join(root, 'lib', 'cli', 'check-phase-compiles.js')).compileCheckPhaseWithoutInlining();
  const code = main(args, { stdout: t => { bytes += t.length; }, stderr: () => undefined, readStdin: () => '', cwd: process.cwd(), beforeCheck });
  if (code !== 1 || bytes === 0) throw new Error(`graceful-check exited ${code} with ${bytes} bytes of output`);
}
const seconds = performance.now() / 1000;
console.log(JSON.stringify({ seconds, maxRssMiB: process.resourceUsage().maxRSS / 1024 }));
