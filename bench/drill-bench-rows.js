// What the drill bench's parts share: running a list of drills with their wall time, and the
// cells of the markdown rows they print for docs/benchmarks.md.
const { runDrill } = require('../lib/drill/drill');

/** Runs each `[name, manifest, options]` in turn (the name on stderr as it starts); returns `[name, report, wall seconds]`. */
async function runTimed(list) {
  const out = [];
  for (const [name, manifest, options] of list) {
    process.stderr.write(`${name}\n`);
    const started = Date.now();
    out.push([name, await runDrill(manifest(), options), (Date.now() - started) / 1000]);
  }
  return out;
}

/** The failure classes of a report as four cells: refused | reset | timeout | 5xx. */
const classes = r => `${r.failuresByClass.refused} | ${r.failuresByClass.reset} | ${r.failuresByClass.timeout} | ${r.failuresByClass['5xx']}`;

/** Seconds to one decimal, or '-' when there were none. */
const f = s => (s === undefined ? '-' : s.toFixed(1));

module.exports = { runTimed, classes, f };
