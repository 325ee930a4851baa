// How a container's command runs, as its manifest says: `command: [sh, -c, "…"]` runs through a
// real shell, with `--exec` standing for the app (the script's last statement), so whether the
// shell execs the app or stays its parent is the real shell's choice: Debian's dash 0.5.12 never
// execs the command of `sh -c`, one command or several; `exec node server.js` replaces the shell.
// A command that is no shell (or none: the image's entrypoint) runs `--exec` itself as PID 1.

import { findProgram, realProgramName } from './programs';
import { shellScriptOf, withoutQuotedText } from '../../manifest/pre-stop-hook';

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

/** Shell words of the manifest → the local program that plays them. */
const SHELLS: Record<string, { program: string; args: string[]; debian: string }> = {
  sh: { program: '/bin/sh', args: [], debian: 'dash' },
  dash: { program: 'dash', args: [], debian: 'dash' },
  bash: { program: 'bash', args: [], debian: 'bash' },
  ash: { program: 'busybox', args: ['ash'], debian: 'busybox' },
  zsh: { program: 'zsh', args: [], debian: 'zsh' },
};

/** Constructs after which the script's last statement is not the app. */
const CONTROL = /\b(if|then|else|elif|fi|for|while|until|do|done|case|esac|function)\b|[(){}`|]|\$\(/;
/** Statements kept as written: they change how the shell treats signals or the app's environment. */
const KEPT = /^(trap|set|export|readonly|umask|:|true)\b|^[A-Za-z_][A-Za-z0-9_]*=\S*$|^exec(\s+\d*[<>]\S*)+$/;

/** The shell word a manifest's command starts (`sh`, `bash`, `busybox sh` → `ash`), if it starts one with a script. */
function shellWordOf(command: string[] | undefined, args: string[] | undefined): string | undefined {
  if (shellScriptOf(command, args) === undefined) return undefined;
  let words = [...(command ?? []), ...(args ?? [])];
  if (/(^|\/)env$/.test(words[0])) {
    words = words.slice(1);
    while (words.length > 0 && (/^-/.test(words[0]) || /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[0]))) words = words.slice(1);
  }
  const first = words[0].replace(/^.*\//, '');
  return first === 'busybox' ? 'ash' : first;
}

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

/** How a container runs: through the manifest's shell, or `exec` as PID 1. */
export function entrypointOf(
  container: { name: string; command?: string[]; args?: string[] },
  exec: string,
  mode: 'manifest' | 'exec',
  shell: string,
): Entrypoint {
  const word = mode === 'manifest' ? shellWordOf(container.command, container.args) : undefined;
  if (word === undefined) {
    // `sh -c "exec …"` only reads the user's command line; the app replaces it (PID 1).
    return { argv: ['/bin/sh', '-c', `exec ${exec}`], command: exec, describe: `${exec} as PID 1` };
  }
  const known = SHELLS[word];
  if (!known) {
    throw new Error(`container '${container.name}' runs its command through ${word}, which the drill does not know; run it with --entrypoint exec`);
  }
  const programWords = word === 'sh' ? shell.trim().split(/\s+/) : [known.program, ...known.args];
  const program = findProgram(programWords[0]);
  if (!program) {
    throw new Error(`container '${container.name}' runs \`${word} -c\`; ${programWords[0]} is not installed on this machine `
      + `(Debian: apt-get install ${known.debian}); install it, or run with --entrypoint exec`);
  }
  const script = localScript(shellScriptOf(container.command, container.args)!, exec, container.name);
  const real = realProgramName(program);
  const shown = [programWords[0], ...programWords.slice(1)].join(' ');
  return {
    argv: [program, ...programWords.slice(1), '-c', script],
    command: exec,
    describe: `${shown}${real !== programWords[0].replace(/^.*\//, '') ? ` (${real})` : ''} -c '${script}'`,
    shell: real,
  };
}
