// The release's version and changelog rules (projen's `bump` task as configured in .projenrc.ts,
// with scripts/next-version.js) on a scratch repository, and the helpers of scripts/release.js.
// The whole release (build, package, commit, tag) runs in CI's release rehearsal
// (scripts/release-rehearsal.sh), from a clean clone.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const ROOT = path.join(__dirname, '..');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const release = require('../scripts/release.js');

/** A scratch git repository with this project's tasks, package.json and next-version script. */
function scratchRepo() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'graceful-k8s-bump-'));
  fs.mkdirSync(path.join(dir, '.projen'));
  fs.mkdirSync(path.join(dir, 'scripts'));
  fs.copyFileSync(path.join(ROOT, 'package.json'), path.join(dir, 'package.json'));
  fs.copyFileSync(path.join(ROOT, '.projen', 'tasks.json'), path.join(dir, '.projen', 'tasks.json'));
  fs.copyFileSync(path.join(ROOT, 'scripts', 'next-version.js'), path.join(dir, 'scripts', 'next-version.js'));
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  fs.writeFileSync(path.join(dir, '.gitignore'), 'node_modules\ndist\n');
  const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=test', '-c', 'user.email=test@example.invalid', ...args], { cwd: dir, encoding: 'utf8', stdio: 'pipe' });
  git('init', '-q');
  git('add', '-A');
  git('commit', '-q', '-m', 'chore: scratch project');
  return {
    dir,
    commit: (message: string) => git('commit', '-q', '--allow-empty', '-m', message),
    tag: (name: string) => git('tag', name),
    /** `projen bump` as the release runs it; returns the version and changelog entry (undefined: nothing to release). */
    bump: () => {
      fs.rmSync(path.join(dir, 'dist'), { recursive: true, force: true });
      execFileSync(process.execPath, [path.join(ROOT, 'node_modules', 'projen', 'bin', 'projen'), 'bump'], { cwd: dir, stdio: 'pipe' });
      const versionFile = path.join(dir, 'dist', 'version.txt');
      const result = fs.existsSync(versionFile)
        ? { version: fs.readFileSync(versionFile, 'utf8').trim(), changelog: fs.readFileSync(path.join(dir, 'dist', 'changelog.md'), 'utf8') }
        : undefined;
      git('checkout', '--', 'package.json'); // what `unbump` does
      return result;
    },
  };
}

describe('release versions from Conventional Commits (projen bump)', () => {
  const repos: string[] = [];
  afterAll(() => repos.forEach(d => fs.rmSync(d, { recursive: true, force: true })));

  test('0.x: the first release is 0.1.0; then a fix or feature bumps the patch, a breaking change the minor; the changelog lists what changed since the last release', () => {
    const r = scratchRepo();
    repos.push(r.dir);
    // GIVEN no release yet
    r.commit('feat: first feature');
    r.commit('fix: first fix');
    r.commit('docs: a doc change');
    // WHEN / THEN the first release is 0.1.0 (projen alone would release 0.0.0)
    const first = r.bump()!;
    expect(first.version).toBe('0.1.0');
    expect(first.changelog).toMatch(/first feature/);
    expect(first.changelog).toMatch(/first fix/);
    expect(first.changelog).not.toMatch(/a doc change/);
    r.tag('v0.1.0');

    // a fix and a feature since v0.1.0: patch (while 0.x, only a breaking change moves the minor)
    r.commit('fix: later fix');
    r.commit('feat: later feature');
    const patch = r.bump()!;
    expect(patch.version).toBe('0.1.1');
    expect(patch.changelog).toMatch(/later fix/);
    expect(patch.changelog).toMatch(/later feature/);
    expect(patch.changelog).not.toMatch(/first feature|first fix/);

    // a breaking change: the minor, listed under BREAKING CHANGES
    r.commit('feat(api)!: drop the old props\n\nBREAKING CHANGE: ShutdownOptions.drain is now drainTimeout');
    const breaking = r.bump()!;
    expect(breaking.version).toBe('0.2.0');
    expect(breaking.changelog).toMatch(/BREAKING CHANGES[\s\S]*drainTimeout/);
  }, 120_000);

  test('from 1.0: a breaking change bumps the major', () => {
    const r = scratchRepo();
    repos.push(r.dir);
    r.tag('v1.2.3');
    r.commit('feat: a feature');
    r.commit('fix!: a fix that changes behaviour users rely on');
    expect(r.bump()!.version).toBe('2.0.0');
  }, 60_000);

  test('nothing to release when HEAD is the release commit', () => {
    const r = scratchRepo();
    repos.push(r.dir);
    r.commit('feat: a feature');
    r.tag('v0.4.0');
    r.commit('chore(release): 0.4.0');
    expect(r.bump()).toBeUndefined();
  }, 60_000);
});

describe('scripts/release.js helpers', () => {
  test('the changelog entry goes below the marker, above older releases', () => {
    const changelog = `# Changelog\n\nintro\n\n${release.CHANGELOG_MARKER}\n\n## 0.1.0 (2026-11-01)\n\n* old\n`;
    const out = release.insertEntry(changelog, '## 0.2.0 (2026-11-22)\n\n### Features\n\n* new\n');
    expect(release.changelogVersions(out)).toEqual(['0.2.0', '0.1.0']);
    expect(out.indexOf('intro')).toBeLessThan(out.indexOf('0.2.0'));
  });

  test('links to the placeholder repository are reduced to their text', () => {
    const entry = '## [0.2.0](https://example.invalid///compare/v0.1.0...v0.2.0) (2026-11-22)\n\n* thing ([2e82b10](https://example.invalid///commit/2e82b10f))\n';
    expect(release.unlinkPlaceholderUrls(entry)).toBe('## 0.2.0 (2026-11-22)\n\n* thing (2e82b10)\n');
    expect(release.changelogVersions(release.unlinkPlaceholderUrls(entry))).toEqual(['0.2.0']);
  });

  test('the README snippets (registry and ./node_modules) get the released version, nothing else changes', () => {
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const updated = release.setReadmePluginVersion(readme, '7.8.9');
    expect(release.readmePluginVersions(updated)).toEqual(release.readmePluginVersions(readme).map(() => '7.8.9'));
    const before = readme.split('\n');
    const changed = updated.split('\n').filter((line: string, i: number) => line !== before[i]);
    expect(changed.length).toBe(release.readmePluginVersions(readme).length);
    expect(changed.every((line: string) => /^\s+version: 7\.8\.9\s/.test(line))).toBe(true);
  });
});
