// How a container's command runs, as its manifest says: `command: [sh, -c, "…"]` runs through a
// real shell, with `--exec` standing for the app (the script's last statement), so whether the
// shell execs the app or stays its parent is the real shell's choice: Debian's dash 0.5.12 never
// execs the command of `sh -c`, one command or several; `exec node server.js` replaces the shell.
// A command that is no shell (or none: the image's entrypoint) runs `--exec` itself as PID 1.

import { findProgram, realProgramName } from './programs';
import { shellCommandOf, withoutQuotedText } from '../../manifest/pre-stop-hook';
import { ShellName, shellOfWord } from '../../manifest/shells';

/** What a container's process runs. */
export interface Entrypoint {
  /** Program and arguments, spawned as they are. */
  readonly argv: string[];
  /** The user's command for the app (`--exec`, or `--exec-container`'s). */
  readonly command: string;
  /** How the report says it runs: `node server.js as PID 1`, `/bin/sh (dash) -c 'node server.js'`. */
  readonly describe: string;
  /** The shell the manifest starts, when it starts one. */
  readonly shell?: string;
}

/** The local program that plays each shell (Debian's packages, as the checker measured them: src/manifest/shells.ts). */
const SHELLS: Record<ShellName, { argv: string[]; debian: string }> = {
  dash: { argv: ['dash'], debian: 'dash' },
  bash: { argv: ['bash'], debian: 'bash' },
  ash: { argv: ['busybox', 'ash'], debian: 'busybox' },
};

/** Constructs after which the script's last statement is not the app. */
const CONTROL = /\b(if|then|else|elif|fi|for|while|until|do|done|case|esac|function)\b|[(){}`|]|\$\(/;
/** Statements kept as written: they change how the shell treats signals or the app's environment. */
const KEPT = /^(trap|set|export|readonly|umask|:|true)\b|^[A-Za-z_][A-Za-z0-9_]*=\S*$|^exec(\s+\d*[<>]\S*)+$/;

/** Splits a script into statements and the separators between them, outside quotes. */
function statementsOf(script: string): Array<{ text: string; separator: string }> {
  const out: Array<{ text: string; separator: string }> = [];
  let current = '';
  let quote: string | undefined;
  for (let i = 0; i < script.length; i++) {
    const c = script[i];
    if (quote) {
      current += c;
      if (c === '\\' && quote === '"') current += script[++i] ?? '';
      else if (c === quote) quote = undefined;
      continue;
    }
    const two = script.slice(i, i + 2);
    const separator = two === '&&' || two === '||' ? two : c === ';' || c === '\n' ? c : undefined;
    if (separator) {
      out.push({ text: current, separator });
      current = '';
      i += separator.length - 1;
      continue;
    }
    if (c === '"' || c === '\'') quote = c;
    current += c;
  }
  out.push({ text: current, separator: '' });
  return out;
}

/**
 * The manifest's script with `exec` standing for the app: its last statement (keeping a leading
 * `exec`), the statements before it that change signals or env kept, any other (which would run
 * the image's programs) replaced by `:`. Throws when the script's shape hides which is the app.
 */
export function localScript(script: string, exec: string, container: string): string {
  const plain = withoutQuotedText(script);
  if (CONTROL.test(plain)) {
    throw new Error(`container '${container}' runs a shell script with control structures or pipes (${JSON.stringify(script.slice(0, 80))}); `
      + 'the drill stands --exec in for the script\'s last statement and cannot tell which statement starts the app here; '
      + 'run it with --entrypoint exec (the app as PID 1), or simplify the script');
  }
  const parts = statementsOf(script);
  const last = [...parts.keys()].reverse().find(i => parts[i].text.trim() !== '' && !parts[i].text.trim().startsWith('#'));
  if (last === undefined) {
    throw new Error(`container '${container}' runs a shell script without a command (${JSON.stringify(script)}); give the container its command, or run with --entrypoint exec`);
  }
  return parts.map((p, i) => {
    const text = p.text.trim();
    let statement: string;
    if (i === last) {
      statement = /^exec\s/.test(text) ? `exec ${exec}` : exec;
    } else if (text === '' || text.startsWith('#') || KEPT.test(text)) {
      statement = text;
    } else {
      statement = ':';
    }
    return `${statement}${p.separator === '\n' ? '\n' : p.separator ? ` ${p.separator} ` : ''}`;
  }).join('').replace(/ ; $/, '').trim();
}

/**
 * An init in front of the shell (`tini -- sh -c …`), played by a shell that forwards SIGTERM to
 * its one child and exits when the child has: the shell is then a plain parent, which dies of the
 * signal, and the container ends with the init (docs/kubernetes-semantics.md 8.2).
 */
const FORWARDING_INIT = ['/bin/sh', '-c', 'trap \'kill -TERM "$child" 2>/dev/null\' TERM INT; "$@" & child=$!; wait "$child"; wait "$child"', 'init'];

/**
 * How a container runs: through the manifest's shell (the image's `sh` as its family says, else
 * `shell`, this machine's /bin/sh by default), or `exec` as PID 1.
 */
export function entrypointOf(
  container: { name: string; image?: string; command?: string[]; args?: string[] },
  exec: string,
  mode: 'manifest' | 'exec',
  shell: string,
): Entrypoint {
  const found = mode === 'manifest' ? shellCommandOf(container.command, container.args) : undefined;
  if (found === undefined) {
    // `sh -c "exec …"` only reads the user's command line; the app replaces it (PID 1).
    return { argv: ['/bin/sh', '-c', `exec ${exec}`], command: exec, describe: `${exec} as PID 1` };
  }
  const known = shellOfWord(found.shell, container.image ?? '').shell;
  const base = found.shell.split('/').pop();
  if (!known && base !== 'sh') {
    throw new Error(`container '${container.name}' runs its command through ${found.shell}, which the drill does not run; run it with --entrypoint exec`);
  }
  // `sh` in an image of unknown family: the program the user names, this machine's /bin/sh by default.
  const argv = known ? SHELLS[known].argv : shell.trim().split(/\s+/);
  const program = findProgram(argv[0]);
  if (!program) {
    throw new Error(`container '${container.name}' runs \`${found.shell} -c\`, which the drill runs with ${argv.join(' ')}; it is not installed on this machine `
      + `(Debian: apt-get install ${known ? SHELLS[known].debian : argv[0]}); install it, or run with --entrypoint exec`);
  }
  const script = localScript(found.script, exec, container.name);
  const real = realProgramName(program);
  const named = argv.join(' ');
  const shown = `${named}${real !== argv[0].split('/').pop() && argv.length === 1 ? ` (${real})` : ''} -c '${script}'`;
  const init = found.init ? FORWARDING_INIT : [];
  return {
    argv: [...init, program, ...argv.slice(1), '-c', script],
    command: exec,
    describe: found.init ? `${found.init.name} (played by a forwarding shell) starting ${shown}` : shown,
    shell: real,
  };
}
