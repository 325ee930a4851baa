// What a container's preStop hook does and how long it keeps the container serving, read
// from the manifest (spec 1.4-1.7), and the script a shell entrypoint runs (shells.ts judges it).

import { FieldReader, isRecord } from './fields';
import { stopCommandOf } from './stop-commands';

/** What a preStop hook is and how long it keeps the container serving. */
export interface PreStopView {
  /**
   * The hook's handler; `app` when there is no hook but the pod declares (serves-after-sigterm
   * annotation) that the app itself keeps accepting that long after SIGTERM (a "lame duck").
   */
  readonly kind: 'none' | 'app' | 'sleep' | 'exec' | 'httpGet' | 'tcpSocket' | 'unknown';
  /**
   * Seconds the hook keeps the container serving before SIGTERM, when known from the hook
   * itself or declared by annotation. `Infinity` for `sleep infinity`.
   */
  readonly seconds?: number;
  /** True when the hook is nothing but a sleep (`sleep N`, `sh -c "sleep N"`, or the native action). */
  readonly plainSleep?: boolean;
  /** True when the length came from the prestop-seconds annotation, not from the hook. */
  readonly declared?: boolean;
  /** The exec command, for exec hooks. */
  readonly command?: string[];
  /**
   * A command that makes the server stop accepting at once (`nginx -s quit`, `kill …`), when
   * the hook runs one: after its leading sleep (`gracefulStopAfterSleep`) or at once.
   */
  readonly stopCommand?: string;
  /** True when the stop command runs only after a sleep: the delay comes first. */
  readonly gracefulStopAfterSleep?: boolean;
}

const SLEEP_BINARY = /^(?:\/(?:usr\/)?bin\/)?sleep$/;
const SHELL_BINARY = /^(?:\/(?:usr\/)?(?:local\/)?bin\/)?(?:sh|bash|ash|dash|zsh|busybox)$/;
const ENV_BINARY = /^(?:\/(?:usr\/)?bin\/)?env$/;
/** Small inits that start a command and forward signals to it. */
const INIT_BINARY = /^(?:\S*\/)?(?:tini|tini-static|dumb-init|catatonit)$/;

/** A shell started with `-c`, and the init in front of it, if any. */
export interface ShellCommand {
  /** The shell word as written (`sh`, `/bin/bash`; `busybox` for `busybox sh`). */
  readonly shell: string;
  readonly script: string;
  /** An init that starts the shell (tini, dumb-init). */
  readonly init?: { readonly name: string };
}
/**
 * ingress-nginx's `/wait-shutdown` starts the controller's shutdown at once; its
 * `--shutdown-grace-period=N` flag keeps nginx accepting for N seconds first.
 */
const INGRESS_NGINX_GRACE = /^--shutdown-grace-period=(\d+)s?$/;
const SLEEP_UNIT: Record<string, number> = { '': 1, 's': 1, 'm': 60, 'h': 3600, 'd': 86400 };

/**
 * Seconds of one `sleep` statement: `sleep 15`, `sleep 1.5`, `sleep 1m`, `sleep infinity`;
 * undefined for a statement that is not a sleep, NaN for a sleep of unknown length (`sleep $D`).
 */
export function sleepSecondsOf(words: string[]): number | undefined {
  if (words.length < 2 || !SLEEP_BINARY.test(words[0])) {
    return undefined;
  }
  let total = 0;
  for (const word of words.slice(1)) {
    if (word === 'infinity' || word === 'inf') {
      return Infinity;
    }
    const m = /^(\d+(?:\.\d+)?|\.\d+)([smhd]?)$/.exec(word);
    if (!m) {
      return NaN;
    }
    total += Number(m[1]) * SLEEP_UNIT[m[2]];
  }
  return total;
}

/** The statements of a shell script, split on newlines, `;`, `&&` and `||`. */
function statementsOf(script: string): string[][] {
  return script
    .split(/\n|;|&&|\|\|/)
    .map(s => s.trim())
    .filter(s => s.length > 0 && !s.startsWith('#'))
    .map(s => s.replace(/^exec\s+/, '').split(/\s+/).map(w => w.replace(/^["']|["']$/g, '')));
}

/** What an exec command does, as statements: `sleep 5 && nginx -s quit` → two. */
export function execStatements(command: string[]): string[][] {
  const script = shellScriptOf(command, []);
  return script !== undefined ? statementsOf(script) : [command];
}

/** Reads an exec hook's statements: the leading sleeps, then what follows. */
function readExec(command: string[], declaredSeconds: number | undefined, containerArgs: string[]): PreStopView {
  const statements = execStatements(command);
  let leading = 0;
  let i = 0;
  for (; i < statements.length; i++) {
    const s = sleepSecondsOf(statements[i]);
    if (s === undefined) break;
    if (Number.isNaN(s)) {
      // `sleep $DELAY`: only the annotation can say how long.
      return { kind: 'exec', command, seconds: declaredSeconds, declared: declaredSeconds !== undefined };
    }
    leading += s;
  }
  const rest = statements.slice(i);
  if (rest.length === 0 && i > 0) {
    return { kind: 'exec', command, seconds: leading, plainSleep: true };
  }
  const stop = rest.map(words => words.join(' ')).find(text => stopCommandOf(text) !== undefined);
  const grace = /wait-shutdown/.test(stop ?? '') ? containerArgs.map(a => INGRESS_NGINX_GRACE.exec(a)).find(m => m) : undefined;
  if (grace && rest.length === 1) {
    // The controller keeps serving for the grace period, then quits: a delay after all.
    const seconds = leading + Number(grace[1]);
    return { kind: 'exec', command, seconds, stopCommand: stop, gracefulStopAfterSleep: seconds > 0 };
  }
  if (stop !== undefined && rest.every(words => stopCommandOf(words.join(' ')) !== undefined || sleepSecondsOf(words) !== undefined)) {
    // The sleep, then the app's own graceful stop: the delay is the sleep.
    return { kind: 'exec', command, seconds: leading, stopCommand: stop, gracefulStopAfterSleep: leading > 0 };
  }
  if (declaredSeconds !== undefined) {
    return { kind: 'exec', command, seconds: declaredSeconds, declared: true, stopCommand: stop };
  }
  // A script of unknown length (SIGTERM comes when it returns); a leading sleep is a lower bound.
  return { kind: 'exec', command, stopCommand: stop };
}

/** No hook and nothing declared: shared, so frozen. */
const NO_HOOK: PreStopView = Object.freeze({ kind: 'none' });

/** Hooks whose length the manifest gives only through the prestop-seconds annotation. */
const HOOKS_OF_UNTOLD_LENGTH = new Set(['exec', 'httpGet', 'unknown']);

/** A hook whose length neither the hook nor the annotation tells: SIGTERM comes whenever it returns (spec 1.5). */
export function hookLengthUnknown(preStop: PreStopView): boolean {
  return HOOKS_OF_UNTOLD_LENGTH.has(preStop.kind) && preStop.seconds === undefined;
}

/**
 * Reads a container's preStop hook; `declaredSeconds` comes from the prestop-seconds annotation,
 * `servesAfterSigterm` from the serves-after-sigterm-seconds one.
 * Fields of the wrong type are reported to `reader` under `pointer` (the container's).
 */
export function preStopOf(
  container: any, declaredSeconds?: number, reader: FieldReader = new FieldReader(), pointer = '', servesAfterSigterm?: number,
): PreStopView {
  const lifecycle = isRecord(container) ? reader.recordAt(container, 'lifecycle', pointer) : undefined;
  const hook = lifecycle ? reader.recordAt(lifecycle, 'preStop', `${pointer}/lifecycle`) : undefined;
  if (!hook || Object.keys(hook).length === 0) {
    return servesAfterSigterm !== undefined ? { kind: 'app', seconds: servesAfterSigterm, declared: true } : NO_HOOK;
  }
  const at = `${pointer}/lifecycle/preStop`;
  if (hook.sleep !== undefined) {
    const sleep = reader.record(hook.sleep, `${at}/sleep`);
    const seconds = sleep ? reader.integer(sleep.seconds, `${at}/sleep/seconds`, { min: 0 }) : undefined;
    return { kind: 'sleep', seconds: seconds ?? 0, plainSleep: true };
  }
  if (hook.tcpSocket !== undefined) {
    return { kind: 'tcpSocket', seconds: 0 };
  }
  if (hook.exec !== undefined) {
    const exec = reader.record(hook.exec, `${at}/exec`);
    const command = exec ? reader.stringList(exec.command, `${at}/exec/command`) : undefined;
    if (!command || command.length === 0) {
      // The API server rejects an exec hook without a command; as written it does nothing.
      if (exec && command) reader.report(`${at}/exec/command`, 'the preStop exec command is empty; the API server rejects it', 'give the command as a list, e.g. [sleep, "15"]');
      return { kind: 'exec', command: [], seconds: 0 };
    }
    const args = Array.isArray(container.args) ? container.args.map(String) : [];
    return readExec(command, declaredSeconds, args);
  }
  if (hook.httpGet !== undefined) {
    return { kind: 'httpGet', seconds: declaredSeconds, declared: declaredSeconds !== undefined };
  }
  return { kind: 'unknown', seconds: declaredSeconds, declared: declaredSeconds !== undefined };
}

/**
 * The shell and the script a container hands it with `-c`, or undefined when it runs no shell.
 * Covers `command: [sh, -c, script]`, `command: [sh], args: [-c, script]`,
 * `busybox sh -c …` and `/usr/bin/env bash -c …`.
 */
export function shellCommandOf(command: string[] | undefined, args: string[] | undefined): ShellCommand | undefined {
  const commandWords = Array.isArray(command) ? command.length : 0;
  const argWords = Array.isArray(args) ? args.length : 0;
  // Most containers run their image's entrypoint: nothing to read.
  if (commandWords + argWords < 3) {
    return undefined;
  }
  let words = [...(command ?? []), ...(args ?? [])].map(String);
  // `tini [-g] [--] sh -c …`: an init in front of the shell.
  let init: ShellCommand['init'];
  if (words.length > 0 && INIT_BINARY.test(words[0])) {
    init = { name: words[0].split('/').pop()! };
    let i = 1;
    while (i < words.length && /^-/.test(words[i]) && words[i] !== '--') i++;
    words = words.slice(words[i] === '--' ? i + 1 : i);
  }
  if (words.length > 0 && ENV_BINARY.test(words[0])) {
    // `env [-i] [NAME=value …] bash -c …`
    words = words.slice(1);
    while (words.length > 0 && (/^-/.test(words[0]) || /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[0]))) {
      words = words.slice(1);
    }
  }
  if (words.length < 3 || !SHELL_BINARY.test(words[0])) {
    return undefined;
  }
  // busybox sh -c …
  const rest = /busybox$/.test(words[0]) ? words.slice(1) : words;
  if (/busybox$/.test(words[0]) && !SHELL_BINARY.test(rest[0] ?? '')) {
    return undefined;
  }
  const c = rest.findIndex((w, i) => i > 0 && /^-[a-z]*c[a-z]*$/.test(w));
  if (c < 0 || c + 1 >= rest.length) {
    return undefined;
  }
  return { shell: /busybox$/.test(words[0]) ? 'busybox' : rest[0], script: rest[c + 1], init };
}

/** The script a container hands to a shell with `-c`, or undefined when it runs no shell. */
export function shellScriptOf(command: string[] | undefined, args: string[] | undefined): string | undefined {
  return shellCommandOf(command, args)?.script;
}

/** A script with each quoted string replaced by a plain word, so that `;` or `&&` inside quotes splits nothing. */
export function withoutQuotedText(script: string): string {
  return script.replace(/"(?:[^"\\]|\\.)*"|'[^']*'/g, 'QUOTED');
}

/** Seconds as a message says them; `sleep infinity` never ends. */
export function secondsText(seconds: number): string {
  return Number.isFinite(seconds) ? `${seconds}s` : 'forever (sleep infinity)';
}
