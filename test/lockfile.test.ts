// The committed lockfile as a newcomer's `npm ci` reads it. A package entry without a `version` is
// what an older npm wrote for optional platform binaries it had not placed; the machine's npm then
// fails `npm ci` with "Invalid Version:" before installing anything (and a warm cache on the machine
// that ran CI can hide it). These checks are cheap and run before any install could.
import * as fs from 'fs';
import * as path from 'path';

const ROOT = path.join(__dirname, '..');

interface LockEntry { readonly version?: string; readonly link?: boolean; readonly hasInstallScript?: boolean }
interface Lockfile { readonly lockfileVersion?: number; readonly packages?: Record<string, LockEntry> }

/** The package entries (not the root, not workspace links) that have no version. */
export function versionlessEntries(lock: Lockfile): string[] {
  return Object.entries(lock.packages ?? {})
    .filter(([where, entry]) => where !== '' && !entry.link && typeof entry.version !== 'string')
    .map(([where]) => where);
}

/** The packages whose install scripts npm would run (npm 11.19 skips them unless approved). */
export function packagesWithInstallScripts(lock: Lockfile): string[] {
  return Object.entries(lock.packages ?? {})
    .filter(([where, entry]) => where !== '' && entry.hasInstallScript)
    .map(([where]) => where.replace(/^.*node_modules\//, ''))
    .sort();
}

function problemsOf(lock: Lockfile): string[] {
  return versionlessEntries(lock).map(where =>
    `package-lock.json: '${where}' has no version; \`npm ci\` fails on it with "Invalid Version". Regenerate the lockfile with the machine's npm: \`npm install --package-lock-only\``);
}

const committed: Lockfile = JSON.parse(fs.readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8'));

describe('package-lock.json', () => {
  test('every package entry has a version (npm ci of npm 10 and 11 rejects one without)', () => {
    expect(problemsOf(committed)).toEqual([]);
  });

  test('the guard names a versionless entry by its path', () => {
    // GIVEN the shape an older npm wrote for an optional platform binary it did not place
    const broken: Lockfile = {
      lockfileVersion: 3,
      packages: {
        '': {},
        'node_modules/unrs-resolver': { version: '1.13.0' },
        'node_modules/unrs-resolver/node_modules/@unrs/resolver-binding-darwin-arm64': {},
        'node_modules/local-workspace': { link: true },
      },
    };
    // THEN exactly that entry is reported, with the command that fixes it
    expect(problemsOf(broken)).toEqual([
      'package-lock.json: \'node_modules/unrs-resolver/node_modules/@unrs/resolver-binding-darwin-arm64\' has no version; '
      + '`npm ci` fails on it with "Invalid Version". Regenerate the lockfile with the machine\'s npm: `npm install --package-lock-only`',
    ]);
  });

  test('lockfile format 3 (npm 7+), which npm 10 and 11 both read', () => {
    expect(committed.lockfileVersion).toBe(3);
  });

  test('no install script is needed: the packages that have one are known and none is on the build path', () => {
    // npm 11.19 skips dependencies' install scripts unless approved. These two are not needed:
    // @parcel/watcher falls back to its JS build (file watching in jsii-rosetta, unused by the
    // build), backport is a CLI never run here. A new entry must be judged before it lands.
    expect(packagesWithInstallScripts(committed)).toEqual(['@parcel/watcher', 'backport']);
  });
});
