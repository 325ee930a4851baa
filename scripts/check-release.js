#!/usr/bin/env node
// Checks what `npx projen release` produced, in the repository it ran in (the CI rehearsal's clone):
//   node scripts/check-release.js "<text of a feat commit made since the last release>"
// Each package's tarball, dist/js/<package>-<version>.tgz (graceful-k8s and every variant of
// variants.json): version not 0.0.0 and equal to the tag, the same in its package.json and .jsii, its
// cdk8s-plus peer, its CHANGELOG.md's newest entry is this version and lists the commit, its README
// snippets pin this version, the files are the allow-listed ones. The repository: the release commit,
// tagged, a clean tree, package.json back at 0.0.0, each package's api-baseline at this version.
const { execFileSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { isPackageFile } = require('./package-files');
const release = require('./release');
const { readVariants } = require('./variants');

const ROOT = path.join(__dirname, '..');
const marker = process.argv[2];
const problems = [];
const expect = (ok, what) => { if (!ok) problems.push(what); };
const git = (...args) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim();
const json = file => JSON.parse(fs.readFileSync(file, 'utf8'));

const version = fs.readFileSync(path.join(ROOT, 'dist', 'version.txt'), 'utf8').trim();
const tag = fs.readFileSync(path.join(ROOT, 'dist', 'releasetag.txt'), 'utf8').trim();
const { main, variants } = readVariants(ROOT);
const packages = [main, ...variants];
expect(/^\d+\.\d+\.\d+$/.test(version) && version !== '0.0.0', `version '${version}' is not a release version`);
expect(tag === `v${version}`, `tag '${tag}' is not v${version}`);

/** One package's tarball, as its users get it. */
function checkTarball({ package: name, plus }) {
  const tgz = path.join(ROOT, 'dist', 'js', `${name}-${version}.tgz`);
  expect(fs.existsSync(tgz), `${path.relative(ROOT, tgz)} is missing (dist/js has: ${fs.existsSync(path.join(ROOT, 'dist', 'js')) ? fs.readdirSync(path.join(ROOT, 'dist', 'js')).join(', ') : 'nothing'})`);
  if (!fs.existsSync(tgz)) return undefined;
  const x = fs.mkdtempSync(path.join(os.tmpdir(), 'graceful-k8s-check-'));
  try {
    execFileSync('tar', ['-xzf', tgz, '-C', x]);
    const p = f => path.join(x, 'package', f);
    const manifest = json(p('package.json'));
    expect(manifest.name === name && manifest.version === version, `${name}: the tarball's package.json says ${manifest.name}@${manifest.version}`);
    expect(Object.keys(manifest.peerDependencies ?? {}).filter(d => d.startsWith('cdk8s-plus-')).join() === plus, `${name}: its cdk8s-plus peer is not ${plus} only: ${JSON.stringify(manifest.peerDependencies)}`);
    expect(json(p('.jsii')).version === version, `${name}: the tarball's .jsii says ${json(p('.jsii')).version}`);
    const changelog = fs.readFileSync(p('CHANGELOG.md'), 'utf8');
    const [newest] = release.changelogVersions(changelog);
    expect(newest === version, `${name}: the tarball's CHANGELOG.md starts with ${newest}, not ${version}`);
    const entry = changelog.slice(changelog.indexOf(release.CHANGELOG_MARKER)).split(/^## /m)[1] ?? '';
    expect(!marker || entry.includes(marker), `${name}: the tarball's CHANGELOG.md entry for ${version} does not list '${marker}':\n${entry}`);
    const pinned = release.readmePluginVersions(fs.readFileSync(p('README.md'), 'utf8'));
    expect(pinned.length > 0 && pinned.every(v => v === version), `${name}: the tarball's README snippets pin ${pinned.join(', ')}`);
    const files = execFileSync('find', ['.', '-type', 'f'], { cwd: path.join(x, 'package'), encoding: 'utf8' }).split('\n').filter(Boolean).map(f => f.slice(2));
    // node_modules/: the bundled dependencies, whose own files are theirs to choose.
    const stray = files.filter(f => !f.startsWith('node_modules/') && !isPackageFile(f));
    expect(stray.length === 0, `${name}: the tarball has files outside the allow-list: ${stray.join(', ')}`);
  } finally {
    fs.rmSync(x, { recursive: true, force: true });
  }
  return tgz;
}

const tarballs = packages.map(checkTarball).filter(Boolean);

expect(git('log', '-1', '--format=%s') === `chore(release): ${version}`, `HEAD is '${git('log', '-1', '--format=%s')}', not the release commit`);
expect(git('tag', '--points-at', 'HEAD').split('\n').includes(tag), `${tag} does not point at HEAD`);
expect(git('status', '--porcelain', '--untracked-files=no') === '', `the working tree is not clean:\n${git('status', '--porcelain')}`);
expect(json(path.join(ROOT, 'package.json')).version === '0.0.0', 'package.json was not reset to 0.0.0');
for (const { package: name } of packages) {
  const dir = name === main.package ? 'api-baseline' : `api-baseline/${name}`;
  expect(json(path.join(ROOT, dir, 'package.json')).version === version && json(path.join(ROOT, dir, 'package.json')).name === name, `${dir}/package.json is not ${name} at the release version`);
  expect(json(path.join(ROOT, dir, '.jsii')).version === version, `${dir}/.jsii is not the released assembly`);
  for (const f of ['.jsii', 'package.json', 'js-api.json']) {
    expect(git('ls-files', '--', `${dir}/${f}`) !== '' && git('diff', 'HEAD~1', '--name-only', '--', `${dir}/${f}`) !== '', `${dir}/${f} is not part of the release commit`);
  }
}
expect(release.changelogVersions(fs.readFileSync(path.join(ROOT, 'CHANGELOG.md'), 'utf8'))[0] === version, 'CHANGELOG.md in the release commit does not start with this version');

if (problems.length > 0) {
  console.error(`check-release: ${problems.length} problem(s) with release ${version}:\n- ${problems.join('\n- ')}`);
  process.exitCode = 1;
} else {
  console.log(`check-release: ${tarballs.map(t => `${path.relative(ROOT, t)} (${fs.statSync(t).size} bytes)`).join(', ')}, tag ${tag}, CHANGELOG.md, README.md `
    + `and every api-baseline at ${version}: ok`);
}
