#!/usr/bin/env node
// `npx projen api:check`: is the API compatible with the last release? Offline, no registry.
//
//   node scripts/api-check.js [--baseline api-baseline] [--package .] [--repo .]
//
// 1. jsii-diff between the last release's assembly (api-baseline/.jsii, with the package.json it
//    needs to find the assembly's dependencies) and the compiled one (./.jsii): the constructs,
//    classes, interfaces and enums of the main entry point.
// 2. The export names of every JS entry point in package.json "exports" ('.', './checks',
//    './drill'), against api-baseline/js-api.json: the plain functions and constants that jsii
//    cannot see. A removed name, or a name that changed kind (function → object), is breaking.
//
// Each variant package (graceful-k8s-33, -34; scripts/variants.js) is checked the same way against
// its own baseline, api-baseline/<package>/, by `node scripts/variants.js api-check`.
// 3. A breaking change passes only when it is declared: a commit since the last release with `!`
//    after its type (`feat!: …`, `refactor(api)!: …`) or a `BREAKING CHANGE:` footer. The release
//    then bumps the major (from 1.0) or the minor (0.x); see README "Versioning and releases".
//
// Before the first release there is no api-baseline/: nothing to compare, the check passes and says
// so. The release (`npx projen release`) writes api-baseline/ from the assembly it publishes.
// Exit code: 0 compatible (or breaking and declared), 1 undeclared breaking change, 2 usage/setup error.
const { execFileSync, spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const ROOT = path.join(__dirname, '..');

function parseArgs(argv) {
  const args = { baseline: path.join(ROOT, 'api-baseline'), package: ROOT, repo: ROOT };
  for (let i = 0; i < argv.length; i++) {
    const key = argv[i].replace(/^--/, '');
    if (!(key in args) || argv[i + 1] === undefined) {
      throw new Error(`unknown or incomplete argument '${argv[i]}'; usage: api-check.js [--baseline <dir>] [--package <dir>] [--repo <dir>]`);
    }
    args[key] = path.resolve(argv[++i]);
  }
  return args;
}

/** What kind of value an export is: 'class', 'function', or its typeof ('object', 'number', …). */
function kindOf(value) {
  if (typeof value === 'function') {
    return /^class\b/.test(Function.prototype.toString.call(value)) ? 'class' : 'function';
  }
  return typeof value;
}

/**
 * The export names of each JS entry point of a package: { '.': { name: kind }, './checks': … }.
 * Entry points are the "exports" entries with a JS target (not './package.json' or './.jsii').
 */
function describeJsApi(packageDir) {
  const manifest = JSON.parse(fs.readFileSync(path.join(packageDir, 'package.json'), 'utf8'));
  const entries = manifest.exports ?? { '.': manifest.main ?? 'index.js' };
  const out = {};
  for (const [entry, target] of Object.entries(entries)) {
    const file = typeof target === 'string' ? target : target.default ?? target.require;
    if (!file || !/\.c?js$/.test(file)) {
      continue;
    }
    const mod = require(path.resolve(packageDir, file));
    out[entry] = Object.fromEntries(Object.keys(mod).sort().map(name => [name, kindOf(mod[name])]));
  }
  return out;
}

/** Breaking differences between two JS API descriptions: removed entry points, names, changed kinds. */
function compareJsApi(before, after, packageName = 'graceful-k8s') {
  const problems = [];
  const entryName = entry => (entry === '.' ? packageName : `${packageName}${entry.slice(1)}`);
  for (const [entry, names] of Object.entries(before)) {
    const now = after[entry];
    if (!now) {
      problems.push(`entry point '${entryName(entry)}' has been removed`);
      continue;
    }
    for (const [name, kind] of Object.entries(names)) {
      const where = `'${name}' of ${entryName(entry)}`;
      if (!(name in now)) {
        problems.push(`export ${where} (${kind}) has been removed`);
      } else if (now[name] !== kind) {
        problems.push(`export ${where} was a ${kind}, is now a ${now[name]}`);
      }
    }
  }
  return problems;
}

function runJsiiDiff(baseline, packageDir) {
  const bin = require.resolve('jsii-diff/bin/jsii-diff');
  const r = spawnSync(process.execPath, [bin, '--keys', baseline, packageDir], {
    encoding: 'utf8',
    cwd: packageDir,
    env: { ...process.env, JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION: process.versions.node.split('.')[0] },
  });
  const output = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim();
  if (r.status !== 0 && r.status !== 1) {
    throw new Error(`jsii-diff failed (exit ${r.status}):\n${output}`);
  }
  const errors = output.split('\n').filter(l => /^err\s+-/.test(l)).map(l => l.replace(/^err\s+-\s*/, ''));
  const warnings = output.split('\n').filter(l => /^warn\s+-/.test(l)).map(l => l.replace(/^warn\s+-\s*/, ''));
  if (r.status === 1 && errors.length === 0) {
    throw new Error(`jsii-diff reported a failure without listing it:\n${output}`);
  }
  return { errors, warnings };
}

function git(repo, args) {
  return execFileSync('git', args, { cwd: repo, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
}

/** The commit of the last release: its tag, else the last commit that wrote the baseline, else none. */
function lastReleaseRef(repo, baselineDir, version) {
  try {
    return { ref: git(repo, ['rev-parse', '--verify', '--quiet', `refs/tags/v${version}^{commit}`]), how: `tag v${version}` };
  } catch {
    // no tag (e.g. a clone without tags): fall back to the commit that recorded the baseline
  }
  try {
    const rel = path.relative(repo, path.join(baselineDir, '.jsii'));
    const sha = git(repo, ['log', '-1', '--format=%H', '--', rel]);
    if (sha) {
      return { ref: sha, how: `the commit that recorded ${rel}` };
    }
  } catch {
    // not a git repository
  }
  return undefined;
}

const BREAKING_HEADER = /^[a-zA-Z]+(\([^)]*\))?!:/;
const BREAKING_FOOTER = /^BREAKING[ -]CHANGE:/m;

/** Commits since `ref` (all history when undefined) that declare a breaking change. */
function declaredBreakingChanges(repo, ref) {
  let log;
  try {
    log = git(repo, ['log', '--format=%H%x1f%s%x1f%b%x1e', ...(ref ? [`${ref}..HEAD`] : ['HEAD'])]);
  } catch {
    return [];
  }
  return log.split('\x1e').map(r => r.trim()).filter(Boolean)
    .map(r => { const [sha, subject, body] = r.split('\x1f'); return { sha, subject, body: body ?? '' }; })
    .filter(c => BREAKING_HEADER.test(c.subject) || BREAKING_FOOTER.test(c.body));
}

function nextBreakingVersion(version) {
  const [major, minor] = version.split('.').map(Number);
  return major >= 1 ? `${major + 1}.0.0` : `0.${minor + 1}.0`;
}

function check(args, log) {
  const baselineAssembly = path.join(args.baseline, '.jsii');
  if (!fs.existsSync(path.join(args.package, '.jsii'))) {
    log(`api:check: ${path.join(args.package, '.jsii')} is missing: compile first (npx projen compile)`);
    return 2;
  }
  if (!fs.existsSync(baselineAssembly)) {
    log(`api:check: no release yet (${path.relative(process.cwd(), baselineAssembly) || baselineAssembly} does not exist): nothing to compare.`);
    log('  The first release (npx projen release) records the API it publishes there; from then on every build compares against it.');
    return 0;
  }
  const baseline = JSON.parse(fs.readFileSync(baselineAssembly, 'utf8'));
  const jsii = runJsiiDiff(args.baseline, args.package);
  const jsBaselineFile = path.join(args.baseline, 'js-api.json');
  const packageName = JSON.parse(fs.readFileSync(path.join(args.package, 'package.json'), 'utf8')).name;
  const jsProblems = fs.existsSync(jsBaselineFile)
    ? compareJsApi(JSON.parse(fs.readFileSync(jsBaselineFile, 'utf8')), describeJsApi(args.package), packageName)
    : [];
  const breaking = [...jsii.errors.map(e => `jsii: ${e}`), ...jsProblems.map(p => `js:   ${p}`)];
  for (const w of jsii.warnings) {
    log(`api:check: warning (not breaking a stable API): ${w}`);
  }
  if (breaking.length === 0) {
    log(`api:check: compatible with the last release, ${baseline.name}@${baseline.version} (jsii-diff and ${fs.existsSync(jsBaselineFile) ? 'the JS entry points' : 'no JS entry point record'})`);
    return 0;
  }
  log(`api:check: ${breaking.length} breaking change(s) since ${baseline.name}@${baseline.version}:`);
  for (const b of breaking) {
    log(`  ${b}`);
  }
  const since = lastReleaseRef(args.repo, args.baseline, baseline.version);
  const declared = declaredBreakingChanges(args.repo, since?.ref);
  if (declared.length > 0) {
    log(`api:check: declared by ${declared.map(c => `${c.sha.slice(0, 7)} "${c.subject}"`).join(', ')}`
      + ` (since ${since ? since.how : 'the first commit'}): the next release will be ${nextBreakingVersion(baseline.version)}. OK.`);
    return 0;
  }
  log(`api:check: FAILED: no commit since ${since ? since.how : 'the first commit'} declares a breaking change, so the release would publish it as a`);
  log('  compatible version. Either restore the API (deprecate instead of removing), or declare the break in a commit:');
  log('  a `!` after the type (`feat!: remove X`, `refactor(api)!: …`) or a `BREAKING CHANGE: <what users must change>` footer.');
  return 1;
}

if (require.main === module) {
  let code;
  try {
    code = check(parseArgs(process.argv.slice(2)), line => process.stdout.write(`${line}\n`));
  } catch (e) {
    process.stderr.write(`api:check: ${e.message}\n`);
    code = 2;
  }
  process.exitCode = code;
}

module.exports = { check, describeJsApi, compareJsApi, declaredBreakingChanges, nextBreakingVersion };
