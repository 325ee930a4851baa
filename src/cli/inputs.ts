// The checker's inputs: files, directories and stdin, read safely. Only regular files are
// read, each up to a size limit and each once (by its real path, however it was named); symlink
// loops, dangling links, links out of a named directory, devices, FIFOs, sockets and unreadable
// entries are reported and skipped, and every other input is still checked.

import * as fs from 'fs';
import * as path from 'path';
import { SourceText } from '../checks/check-files';

/** Manifest files a directory walk picks up. */
const MANIFEST_FILE = /\.(ya?ml|json)$/i;

/** What `cdk8s synth` writes beside the manifests for its validation plugins: construct paths, no Kubernetes objects. */
const CONSTRUCT_METADATA_FILE = 'construct-metadata.json';

/** Default largest file read: far above any manifest, well below what would exhaust memory. */
export const DEFAULT_MAX_FILE_BYTES = 64 * 1024 * 1024;

/** What was read, and what was not (with why). */
export interface CollectedInputs {
  readonly texts: SourceText[];
  /** Inputs that could not be read, one message each (they make the exit code 2). */
  readonly unreadable: string[];
  /** Entries skipped on purpose during a walk (not manifests), one message each. */
  readonly skipped: string[];
}

export interface InputOptions {
  readonly cwd: string;
  readonly maxFileBytes: number;
  readonly readStdin: () => string;
}

function describeType(stat: fs.Stats): string {
  if (stat.isFIFO()) return 'a FIFO';
  if (stat.isSocket()) return 'a socket';
  if (stat.isCharacterDevice() || stat.isBlockDevice()) return 'a device';
  return 'not a regular file';
}

function errorText(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  switch (err.code) {
    case 'ENOENT': return 'no such file or directory';
    case 'EACCES': return 'permission denied';
    case 'ELOOP': return 'a symbolic link loop';
    default: return err.message ?? String(e);
  }
}

/** What was collected so far, and the real paths of the files read (each is read once). */
interface Collecting {
  readonly texts: SourceText[];
  readonly unreadable: string[];
  readonly skipped: string[];
  readonly readFiles: Map<string, string>;
}

/** Reads one regular file, refusing anything else or anything too large; a file already read (by another name, a link) is not read again. */
function readFile(file: string, abs: string, options: InputOptions, out: Collecting): void {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(abs);
  } catch (e) {
    // statSync follows links: a dangling link or a loop fails here.
    const link = fs.lstatSync(abs, { throwIfNoEntry: false })?.isSymbolicLink();
    out.unreadable.push(`${file}: ${link && (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'a dangling symbolic link' : errorText(e)}`);
    return;
  }
  if (!stat.isFile()) {
    out.unreadable.push(`${file}: ${describeType(stat)}; only regular files are read`);
    return;
  }
  if (stat.size > options.maxFileBytes) {
    out.unreadable.push(`${file}: ${stat.size} bytes is over the ${options.maxFileBytes}-byte limit; raise it with --max-file-size if the file is really a manifest`);
    return;
  }
  let real: string;
  try {
    real = fs.realpathSync(abs);
  } catch (e) {
    out.unreadable.push(`${file}: ${errorText(e)}`);
    return;
  }
  const earlier = out.readFiles.get(real);
  if (earlier !== undefined) {
    out.skipped.push(`${file}: the same file as ${earlier}, read once`);
    return;
  }
  out.readFiles.set(real, file);
  try {
    out.texts.push({ file, text: fs.readFileSync(abs, 'utf8') });
  } catch (e) {
    out.unreadable.push(`${file}: ${errorText(e)}`);
  }
}

/** Whether a real path is inside a directory's real path. */
function inside(real: string, root: string): boolean {
  return real === root || real.startsWith(root.endsWith(path.sep) ? root : root + path.sep);
}

/**
 * Walks a directory: manifest files and subdirectories, each real directory once (no loops). A
 * symbolic link that leads out of the named directory (`root`, a real path) is not followed: a
 * link to `/` would walk the whole disk.
 */
function walk(dir: string, abs: string, options: InputOptions, out: Collecting, visited: Set<string>, root: string): void {
  let real: string;
  let entries: fs.Dirent[];
  try {
    real = fs.realpathSync(abs);
    entries = fs.readdirSync(abs, { withFileTypes: true });
  } catch (e) {
    out.unreadable.push(`${dir}: ${errorText(e)}`);
    return;
  }
  if (visited.has(real)) {
    out.skipped.push(`${dir}: already read through another path (a symbolic link loop?)`);
    return;
  }
  visited.add(real);
  for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const child = path.join(dir, entry.name);
    const childAbs = path.join(abs, entry.name);
    let stat: fs.Stats | undefined;
    try {
      stat = fs.statSync(childAbs);
    } catch (e) {
      if (MANIFEST_FILE.test(entry.name) || entry.isSymbolicLink()) {
        out.unreadable.push(`${child}: ${entry.isSymbolicLink() && (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'a dangling symbolic link' : errorText(e)}`);
      }
      continue;
    }
    if (entry.isSymbolicLink()) {
      let target: string;
      try {
        target = fs.realpathSync(childAbs);
      } catch (e) {
        out.unreadable.push(`${child}: ${errorText(e)}`);
        continue;
      }
      if (!inside(target, root)) {
        out.skipped.push(`${child}: a symbolic link out of ${root} (to ${target}); name it as an input to read it`);
        continue;
      }
    }
    if (stat.isDirectory()) {
      walk(child, childAbs, options, out, visited, root);
    } else if (entry.name === CONSTRUCT_METADATA_FILE) {
      out.skipped.push(`${child}: the cdk8s plugin's construct metadata, not a manifest`);
    } else if (MANIFEST_FILE.test(entry.name)) {
      readFile(child, childAbs, options, out);
    }
  }
}

/** Collects every input: `-` is stdin, a directory is walked, anything else is read as a file. */
export function collectInputs(targets: string[], options: InputOptions): CollectedInputs {
  const out: Collecting = { texts: [], unreadable: [], skipped: [], readFiles: new Map() };
  const visited = new Set<string>();
  for (const target of targets) {
    if (target === '-') {
      out.texts.push({ file: '<stdin>', text: options.readStdin() });
      continue;
    }
    const abs = path.resolve(options.cwd, target);
    let isDirectory = false;
    try {
      isDirectory = fs.statSync(abs).isDirectory();
    } catch {
      // readFile names what is wrong (no such file, a loop, a dangling link).
    }
    if (isDirectory) {
      walk(target, abs, options, out, visited, fs.realpathSync(abs));
    } else {
      readFile(target, abs, options, out);
    }
  }
  return { texts: out.texts, unreadable: out.unreadable, skipped: out.skipped };
}
