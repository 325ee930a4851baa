// `--version` for both CLIs: the version of the installed package, read from its package.json
// (lib/cli/ or src/cli/ → the package root). A release build has the released version there;
// a build of the repository says 0.0.0.
import * as fs from 'fs';
import * as path from 'path';

/** The installed package's version. */
export function packageVersion(): string {
  return JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')).version;
}

/** True when the arguments ask for the version (`--version` takes no value, may come anywhere). */
export function wantsVersion(argv: string[]): boolean {
  return argv.includes('--version');
}
