#!/usr/bin/env node
// Checks what `npx projen release` produced, in the repository it ran in (the CI rehearsal's clone):
//   node scripts/check-release.js "<text of a feat commit made since the last release>"
// The tarball dist/js/graceful-k8s-<version>.tgz: version not 0.0.0 and equal to the tag, the same in
// its package.json and .jsii, its CHANGELOG.md's newest entry is this version and lists the commit,
// its README snippets pin this version, the files are the allow-listed ones. The repository: the
// release commit, tagged, a clean tree, package.json back at 0.0.0, api-baseline/ at this version.
const { execFileSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const release = require('./release');

const ROOT = path.join(__dirname, '..');
const marker = process.argv[2];
const problems = [];
const expect = (ok, what) => { if (!ok) problems.push(what); };
const git = (...args) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim();
const json = file => JSON.parse(fs.readFileSync(file, 'utf8'));

const version = fs.readFileSync(path.join(ROOT, 'dist', 'version.txt'), 'utf8').trim();
const tag = fs.readFileSync(path.join(ROOT, 'dist', 'releasetag.txt'), 'utf8').trim();
const tgz = path.join(ROOT, 'dist', 'js', `graceful-k8s-${version}.tgz`);
expect(/^\d+\.\d+\.\d+$/.test(version) && version !== '0.0.0', `version '${version}' is not a release version`);
expect(tag === `v${version}`, `tag '${tag}' is not v${version}`);
expect(fs.existsSync(tgz), `${path.relative(ROOT, tgz)} is missing (dist/js has: ${fs.existsSync(path.join(ROOT, 'dist', 'js')) ? fs.readdirSync(path.join(ROOT, 'dist', 'js')).join(', ') : 'nothing'})`);

if (fs.existsSync(tgz)) {
  const x = fs.mkdtempSync(path.join(os.tmpdir(), 'graceful-k8s-check-'));
  try {
    execFileSync('tar', ['-xzf', tgz, '-C', x]);
    const p = f => path.join(x, 'package', f);
    expect(json(p('package.json')).version === version, `the tarball's package.json says ${json(p('package.json')).version}`);
    expect(json(p('.jsii')).version === version, `the tarball's .jsii says ${json(p('.jsii')).version}`);
    const changelog = fs.readFileSync(p('CHANGELOG.md'), 'utf8');
    const [newest] = release.changelogVersions(changelog);
    expect(newest === version, `the tarball's CHANGELOG.md starts with ${newest}, not ${version}`);
    const entry = changelog.slice(changelog.indexOf(release.CHANGELOG_MARKER)).split(/^## /m)[1] ?? '';
    expect(!marker || entry.includes(marker), `the tarball's CHANGELOG.md entry for ${version} does not list '${marker}':\n${entry}`);
    const pinned = release.readmePluginVersions(fs.readFileSync(p('README.md'), 'utf8'));
    expect(pinned.length > 0 && pinned.every(v => v === version), `the tarball's README snippets pin ${pinned.join(', ')}`);
    const files = execFileSync('find', ['.', '-type', 'f'], { cwd: path.join(x, 'package'), encoding: 'utf8' }).split('\n').filter(Boolean).map(f => f.slice(2));
    const stray = files.filter(f => !/^(lib\/.+\.(js|d\.ts)|bin\/graceful-(check|drill)|docs\/[^/]+\.md|README\.md|LICENSE|CHANGELOG\.md|API\.md|\.jsii|package\.json|node_modules\/.+)$/.test(f));
    expect(stray.length === 0, `the tarball has files outside the allow-list: ${stray.join(', ')}`);
  } finally {
    fs.rmSync(x, { recursive: true, force: true });
  }
}

expect(git('log', '-1', '--format=%s') === `chore(release): ${version}`, `HEAD is '${git('log', '-1', '--format=%s')}', not the release commit`);
expect(git('tag', '--points-at', 'HEAD').split('\n').includes(tag), `${tag} does not point at HEAD`);
expect(git('status', '--porcelain', '--untracked-files=no') === '', `the working tree is not clean:\n${git('status', '--porcelain')}`);
expect(json(path.join(ROOT, 'package.json')).version === '0.0.0', 'package.json was not reset to 0.0.0');
expect(json(path.join(ROOT, 'api-baseline', 'package.json')).version === version, 'api-baseline/package.json is not at the release version');
expect(json(path.join(ROOT, 'api-baseline', '.jsii')).version === version, 'api-baseline/.jsii is not the released assembly');
for (const f of ['.jsii', 'package.json', 'js-api.json']) {
  expect(git('ls-files', '--', `api-baseline/${f}`) !== '' && git('diff', 'HEAD~1', '--name-only', '--', `api-baseline/${f}`) !== '', `api-baseline/${f} is not part of the release commit`);
}
expect(release.changelogVersions(fs.readFileSync(path.join(ROOT, 'CHANGELOG.md'), 'utf8'))[0] === version, 'CHANGELOG.md in the release commit does not start with this version');

if (problems.length > 0) {
  console.error(`check-release: ${problems.length} problem(s) with release ${version}:\n- ${problems.join('\n- ')}`);
  process.exitCode = 1;
} else {
  console.log(`check-release: ${path.relative(ROOT, tgz)} (${fs.statSync(tgz).size} bytes), tag ${tag}, CHANGELOG.md, README.md and api-baseline/ at ${version}: ok`);
}
