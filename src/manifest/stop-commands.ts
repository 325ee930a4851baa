// Commands that make a server stop accepting new connections when they run: in a preStop hook
// they are not a delay, they end the serving at the deletion while proxies still route to the
// pod (spec 1.3, 4.4). One catalogue, each entry with the program's own documentation; the
// preStop reader (pre-stop-hook.ts), GS023 and the timeline all take it from here.

/** A command that stops a server from accepting at once. */
export interface StopCommand {
  /** The program, as messages name it. */
  readonly program: string;
  /** Matches one statement of a hook, its words joined by single spaces. */
  readonly pattern: RegExp;
  /** What it does, and where that is documented. */
  readonly source: string;
}

const PATH = '(?:\\S*/)?';

/** The catalogue. */
export const STOP_AT_ONCE_COMMANDS: readonly StopCommand[] = [
  {
    program: 'nginx',
    pattern: new RegExp(`^${PATH}(?:nginx|openresty)\\s+(?:-\\S+\\s+)*-s\\s+(?:quit|stop)\\b`),
    source: 'nginx "Controlling nginx": quit closes the listening sockets, then finishes open requests; stop is a fast shutdown',
  },
  {
    program: 'Kong',
    pattern: new RegExp(`^${PATH}kong\\s+(?:quit|stop)\\b`),
    source: 'Kong CLI reference: `kong quit` gracefully quits the node (nginx -s quit: listeners close at once), `kong stop` stops it',
  },
  {
    program: 'Apache httpd',
    pattern: new RegExp(`^${PATH}(?:apachectl|apache2ctl|httpd)\\s+(?:-k\\s+)?(?:graceful-stop|stop)\\b`),
    source: 'Apache "Stopping and Restarting": graceful-stop closes the listeners at once and lets children finish their requests',
  },
  {
    program: 'HAProxy',
    pattern: new RegExp(`^${PATH}(?:kill\\s+(?:-s\\s+)?-?(?:SIG)?USR1\\b|haproxy\\s+.*-sf\\b)`),
    source: 'HAProxy management guide: SIGUSR1 is the soft-stop, which closes the listeners at once and waits for open connections',
  },
  {
    program: 'ingress-nginx',
    pattern: new RegExp(`^${PATH}wait-shutdown\\b`),
    source: 'ingress-nginx /wait-shutdown starts the controller\'s shutdown: nginx quits after --shutdown-grace-period (0 unless set)',
  },
  {
    program: 'Envoy',
    pattern: /\b(?:quitquitquit|drain_listeners(?![^\s]*graceful))\b/,
    source: 'Envoy admin API: /quitquitquit exits the server; /drain_listeners without ?graceful stops the listeners at once',
  },
  {
    program: 'Cassandra',
    pattern: new RegExp(`^${PATH}nodetool\\s+(?:\\S+\\s+)*drain\\b`),
    source: 'nodetool drain: the node stops listening for client connections and flushes its tables',
  },
  {
    program: 'kill',
    pattern: new RegExp(`^${PATH}(?:kill|pkill|killall)\\b`),
    source: 'a signal to the server itself: it stops (or starts its own shutdown) when the hook runs',
  },
];

/** The catalogue entry a statement runs, if any. */
export function stopCommandOf(statement: string): StopCommand | undefined {
  return STOP_AT_ONCE_COMMANDS.find(c => c.pattern.test(statement));
}
