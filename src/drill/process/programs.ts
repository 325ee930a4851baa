// The real programs the drill runs besides the user's app (a shell, nginx, HAProxy, unshare):
// found on PATH (and /usr/sbin, where Debian puts nginx and haproxy), or named with the Debian
// package that installs them.

import * as fs from 'fs';
import * as path from 'path';

/** Where a program is looked for besides PATH: Debian installs daemons under /usr/sbin. */
const EXTRA_DIRS = ['/usr/sbin', '/sbin', '/usr/local/sbin'];

/** The absolute path of an executable, or undefined. */
export function findProgram(name: string): string | undefined {
  if (name.includes('/')) return isExecutable(name) ? name : undefined;
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter).filter(d => d !== ''), ...EXTRA_DIRS];
  for (const dir of dirs) {
    const candidate = path.join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/**
 * The path of a program the drill needs; throws, naming the Debian package and the alternative,
 * when it is not installed.
 */
export function requireProgram(name: string, debianPackage: string, why: string, otherwise: string): string {
  const found = findProgram(name);
  if (found) return found;
  throw new Error(`${why} needs ${name}, which is not installed on this machine; install it (Debian: apt-get install ${debianPackage}), ${otherwise}`);
}

/** The program a path finally names (`/bin/sh` → `dash`), for reports. */
export function realProgramName(file: string): string {
  try {
    return path.basename(fs.realpathSync(file));
  } catch {
    return path.basename(file);
  }
}
