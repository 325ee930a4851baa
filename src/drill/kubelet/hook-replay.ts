// Exec preStop hooks the drill replays instead of running: a server's own control command
// cannot run on this machine (there is no nginx binary, and it would not find the pod's
// process), so it is delivered as the signal it sends. `nginx -s quit` is SIGQUIT to nginx's
// master process, its graceful stop; `nginx -s stop` is SIGTERM, its fast stop. The sleeps
// around it run on the drill clock, as a plain `sleep N` hook does (nginx's signals: spec 1.8a).

import { execStatements, shellScriptOf, sleepSecondsOf } from '../../manifest/pre-stop-hook';

/** One statement of a replayed hook. */
export type HookStep =
  | { readonly kind: 'sleep'; readonly seconds: number }
  | { readonly kind: 'signal'; readonly signal: NodeJS.Signals; readonly command: string };

/** Server control commands and the signal each sends to the server's main process (PID 1 of the container). */
const SERVER_SIGNALS: ReadonlyArray<readonly [RegExp, NodeJS.Signals]> = [
  // nginx(8) "-s signal": quit = SIGQUIT (graceful shutdown), stop = SIGTERM (fast shutdown).
  [/^(?:\S*\/)?(?:nginx|openresty)\s+(?:-[^s\s]\S*\s+(?:[^-\s]\S*\s+)?)*-s\s+quit$/, 'SIGQUIT'],
  [/^(?:\S*\/)?(?:nginx|openresty)\s+(?:-[^s\s]\S*\s+(?:[^-\s]\S*\s+)?)*-s\s+stop$/, 'SIGTERM'],
];

/** The signal a server control command sends, or undefined for any other command. */
export function serverSignalOf(command: string): NodeJS.Signals | undefined {
  const text = command.trim().replace(/\s+/g, ' ');
  return SERVER_SIGNALS.find(([pattern]) => pattern.test(text))?.[1];
}

/**
 * The steps of an exec hook made only of sleeps of known length and server control commands
 * joined by `&&` or `;` (what `PreStop.sleepThen([...])` renders: `sh -c "sleep 5 && nginx -s quit && sleep 5"`),
 * with at least one control command; undefined for any other hook, which then runs for real.
 */
export function replayableHook(command: string[]): HookStep[] | undefined {
  const script = shellScriptOf(command, []);
  if (script !== undefined && /\|\||[|&](?!&)|[`$<>(){}'"\\]/.test(script.replace(/&&/g, ''))) {
    // Pipes, `||`, background jobs, substitutions, quoting: not a plain sequence.
    return undefined;
  }
  // Statements as the checker reads them (the same splitting, comment lines skipped).
  const steps: HookStep[] = [];
  for (const words of execStatements(command)) {
    const seconds = sleepSecondsOf(words);
    const signal = serverSignalOf(words.join(' '));
    if (seconds !== undefined && Number.isFinite(seconds)) {
      steps.push({ kind: 'sleep', seconds });
    } else if (signal) {
      steps.push({ kind: 'signal', signal, command: words.join(' ') });
    } else {
      return undefined;
    }
  }
  return steps.some(s => s.kind === 'signal') ? steps : undefined;
}
