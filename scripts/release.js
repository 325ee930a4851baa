#!/usr/bin/env node
// Steps of `npx projen release` that projen does not provide (docs/releasing.md):
//
//   node scripts/release.js prepare   after `bump`, before `build`: the new CHANGELOG.md entry and the
//                                     version in the README's cdk8s.yaml snippets, staged, so that the
//                                     package built next ships them (projen writes CHANGELOG.md only
//                                     after packaging);
//   node scripts/release.js commit    after the build (first step of `publish:git`): api-baseline/ from
//                                     the assemblies just built (graceful-k8s in api-baseline/, each
//                                     variant package in api-baseline/<package>/), then the one release
//                                     commit `chore(release): <version>` (projen's tag-version tags it next).
//
// One release is every package at one version: graceful-k8s and its variants (graceful-k8s-33, -34,
// scripts/variants.js) are built from the same commit, so they share the version, the CHANGELOG
// entry and the tag.
//
// `bump` has written dist/version.txt (the version), dist/changelog.md (the entry, from the
// Conventional Commits since the last tag) and the version into package.json.
const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');
const { describeJsApi } = require('./api-check');
const { FIRST_RELEASE } = require('./next-version');
const variants = require('./variants');

const ROOT = path.join(__dirname, '..');
const CHANGELOG_MARKER = '<!-- Releases, newest first. `npx projen release` inserts each one below this line. -->';
// A cdk8s.yaml `validations` entry that loads this package: `package: graceful-k8s` (from a
// registry) or `package: ./node_modules/graceful-k8s` (installed from a tarball or a path).
const PLUGIN_VERSION = /(-\s+package:\s+(?:graceful-k8s|\.\/node_modules\/graceful-k8s)\s*\n\s+version:\s+)(\S+)/g;

function git(args, cwd = ROOT) {
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

function read(file) {
  return fs.readFileSync(path.join(ROOT, file), 'utf8');
}

/** The versions of graceful-k8s in the README's cdk8s.yaml snippets. */
function readmePluginVersions(readme) {
  return [...readme.matchAll(PLUGIN_VERSION)].map(m => m[2]);
}

function setReadmePluginVersion(readme, version) {
  return readme.replace(PLUGIN_VERSION, (_, prefix) => `${prefix}${version}`);
}

/** The version of the last release (api-baseline/), or undefined before the first one. */
function lastReleasedVersion(root = ROOT) {
  const file = path.join(root, 'api-baseline', 'package.json');
  return fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')).version : undefined;
}

/**
 * The version users can install, which the README's snippet must show: during a release build
 * (RELEASE set by the release task, package.json bumped) the version being released; otherwise the
 * last release, or before the first release the version the first release will have.
 */
function publishedVersion(root = ROOT, env = process.env) {
  const current = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).version;
  if (env.RELEASE && current !== '0.0.0') {
    return current;
  }
  return lastReleasedVersion(root) ?? FIRST_RELEASE;
}

/** The version of the newest entry of CHANGELOG.md, if any. */
function changelogVersions(changelog) {
  const body = changelog.includes(CHANGELOG_MARKER) ? changelog.slice(changelog.indexOf(CHANGELOG_MARKER)) : changelog;
  return [...body.matchAll(/^##\s+\[?(\d+\.\d+\.\d+(?:-[0-9A-Za-z.]+)?)\]?/gm)].map(m => m[1]);
}

/**
 * commit-and-tag-version links versions and commits to the repository URL; while package.json
 * still has the placeholder repository (example.invalid), those links lead nowhere: keep the text.
 */
function unlinkPlaceholderUrls(markdown) {
  return markdown.replace(/\[([^\]]+)\]\(https?:\/\/example\.invalid[^)]*\)/g, '$1');
}

function insertEntry(changelog, entry) {
  if (!changelog.includes(CHANGELOG_MARKER)) {
    throw new Error(`CHANGELOG.md has lost its marker line; put it back above the newest release:\n${CHANGELOG_MARKER}`);
  }
  const [head, rest] = [changelog.slice(0, changelog.indexOf(CHANGELOG_MARKER) + CHANGELOG_MARKER.length), changelog.slice(changelog.indexOf(CHANGELOG_MARKER) + CHANGELOG_MARKER.length)];
  return `${head}\n\n${entry.trim()}\n\n${rest.trimStart()}`;
}

function releaseVersion() {
  const file = path.join(ROOT, 'dist', 'version.txt');
  if (!fs.existsSync(file)) {
    throw new Error('dist/version.txt is missing: `bump` did not run. If HEAD is already a release commit (chore(release): …), there is nothing to release.');
  }
  return fs.readFileSync(file, 'utf8').trim();
}

function prepare() {
  const version = releaseVersion();
  const pkg = JSON.parse(read('package.json'));
  if (pkg.version !== version) {
    throw new Error(`package.json has version ${pkg.version}, dist/version.txt ${version}: run this after \`bump\``);
  }
  const dirty = git(['status', '--porcelain', '--untracked-files=no']).split('\n').filter(l => l && !/\spackage\.json$/.test(l));
  if (dirty.length > 0) {
    throw new Error(`uncommitted changes would not be part of the release commit; commit or stash them first:\n${dirty.join('\n')}`);
  }
  const entryFile = path.join(ROOT, 'dist', 'changelog.md');
  const entry = unlinkPlaceholderUrls(fs.readFileSync(entryFile, 'utf8'));
  fs.writeFileSync(entryFile, entry); // also the tag's annotation (tag-version reads this file)
  const changelog = read('CHANGELOG.md');
  if (changelogVersions(changelog).includes(version)) {
    throw new Error(`CHANGELOG.md already has an entry for ${version}`);
  }
  fs.writeFileSync(path.join(ROOT, 'CHANGELOG.md'), insertEntry(changelog, entry));
  const readme = read('README.md');
  if (readmePluginVersions(readme).length === 0) {
    throw new Error('README.md has no cdk8s.yaml snippet with `- package: graceful-k8s` followed by `version:`');
  }
  fs.writeFileSync(path.join(ROOT, 'README.md'), setReadmePluginVersion(readme, version));
  // Staged: the release's anti-tamper check (`git diff --exit-code`) looks at unstaged changes only.
  git(['add', 'CHANGELOG.md', 'README.md']);
  console.log(`release ${version}: CHANGELOG.md entry and README plugin version staged`);
  if (process.env.RELEASE_REHEARSAL) {
    console.log(`release ${version}: RELEASE_REHEARSAL is set, the tests will not run: a rehearsal, never to be published`);
  }
}

/** Writes one package's baseline: its assembly, the package.json jsii-diff needs, its JS entry points. */
function writeBaseline(packageDir, baselineDir, version) {
  const assembly = JSON.parse(fs.readFileSync(path.join(packageDir, '.jsii'), 'utf8'));
  if (assembly.version !== version) {
    throw new Error(`${path.relative(ROOT, path.join(packageDir, '.jsii')) || '.jsii'} has version ${assembly.version}, the release is ${version}: the build did not run after \`bump\``);
  }
  const pkg = JSON.parse(fs.readFileSync(path.join(packageDir, 'package.json'), 'utf8'));
  fs.mkdirSync(baselineDir, { recursive: true });
  fs.copyFileSync(path.join(packageDir, '.jsii'), path.join(baselineDir, '.jsii'));
  // What jsii-diff needs to load the assembly: the jsii marker and the dependencies to resolve.
  const manifest = { name: pkg.name, version, private: true, jsii: pkg.jsii, dependencies: pkg.dependencies, peerDependencies: pkg.peerDependencies, bundledDependencies: pkg.bundledDependencies };
  fs.writeFileSync(path.join(baselineDir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  fs.writeFileSync(path.join(baselineDir, 'js-api.json'), `${JSON.stringify(describeJsApi(packageDir), null, 2)}\n`);
  const rel = path.relative(ROOT, baselineDir);
  return ['.jsii', 'package.json', 'js-api.json'].map(f => `${rel}/${f}`);
}

function commit() {
  const version = releaseVersion();
  const files = writeBaseline(ROOT, path.join(ROOT, 'api-baseline'), version);
  for (const v of variants.readVariants(ROOT).variants) {
    files.push(...writeBaseline(variants.stageDir(v, ROOT), path.join(ROOT, 'api-baseline', v.package), version));
  }
  // Named one by one: `git add` refuses an ignored file named explicitly instead of skipping it.
  git(['add', 'CHANGELOG.md', 'README.md', ...files]);
  git(['commit', '-m', `chore(release): ${version}`]);
  console.log(`release ${version}: committed (CHANGELOG.md, README.md, api-baseline/ for ${[JSON.parse(read('package.json')).name, ...variants.readVariants(ROOT).variants.map(v => v.package)].join(', ')})`);
}

if (require.main === module) {
  const step = process.argv[2];
  try {
    if (step === 'prepare') prepare();
    else if (step === 'commit') commit();
    else throw new Error('usage: release.js prepare|commit');
  } catch (e) {
    process.stderr.write(`release: ${e.message}\n`);
    process.exitCode = 1;
  }
}

module.exports = {
  CHANGELOG_MARKER, readmePluginVersions, setReadmePluginVersion, publishedVersion, lastReleasedVersion, changelogVersions, unlinkPlaceholderUrls, insertEntry,
};
