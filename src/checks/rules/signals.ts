// Stop signals: servers whose graceful stop is not SIGTERM (spec 1.4, 1.8).
//
// The kubelet stops a container with the stop signal of its image (STOPSIGNAL), SIGTERM when the
// image declares none, or `lifecycle.stopSignal` (alpha, 1.33). nginx and OpenResty stop fast on
// SIGTERM (requests in flight are cut) and gracefully on SIGQUIT; Apache httpd stops at once on
// SIGTERM and gracefully on SIGWINCH. The official images declare the graceful signal, so they
// are stopped gracefully already: flagging them would be noise. The heuristic, and its limits:
//   - The server is recognized by its image repository (nginx, nginx-unprivileged, openresty,
//     httpd, apache, php:*-apache) or by the command the manifest starts (nginx, openresty,
//     httpd, apache2, apachectl, under tini/dumb-init or `sh -c "exec …"`).
//   - Images known to declare the graceful STOPSIGNAL: the official `nginx`, `httpd` and
//     `php:*-apache` images, `nginxinc/nginx-unprivileged` and `openresty/openresty` (their
//     Dockerfiles). Images known to declare none: `bitnami/nginx`, `bitnami/apache` (SIGTERM).
//   - Certain (GS038, error): a known image without STOPSIGNAL, or `lifecycle.stopSignal`
//     SIGTERM/SIGINT on such a server.
//   - Unsure (GS039, warning): the manifest's command starts the server in an image not known
//     to declare its signal (a general-purpose or custom image), or starts it under supervisord
//     (which stops its programs with SIGTERM unless configured otherwise).
//   - Not judged: a custom image that runs the server from its own entrypoint (most are built
//     FROM the official image and inherit its STOPSIGNAL; the manifest cannot tell), a command
//     through a shell that swallows signals (GS006 says so), and containers nothing routes to.
// A preStop that waits, asks for the graceful stop and then waits for it (`sleep 15 && nginx -s
// quit && sleep 15`, PreStop.sleepThen) or the graceful `lifecycle.stopSignal` settles it. A
// graceful stop that returns at once (`sleep 15 && nginx -s quit`) is followed by the kubelet's
// signal: enough with the official images, a fast stop with the others.

import { imageRepository } from '../../manifest/image';
import { shellScriptOf, sleepSecondsOf, withoutQuotedText } from '../../manifest/pre-stop-hook';
import { ContainerTraffic } from '../../manifest/routing';
import { entrypointVerdict } from '../../manifest/shells';
import { ContainerView, LONG_RUNNING_KINDS } from '../../manifest/workload';
import { RawFinding, Severity, TimelinePhase, WorkloadContext, area, onWorkload } from '../rule';

/** A server whose graceful stop is not SIGTERM. */
interface ServerFamily {
  readonly title: string;
  readonly gracefulSignal: string;
  readonly gracefulStop: string;
  /** What SIGTERM does to it. */
  readonly onSigterm: string;
}

const NGINX: ServerFamily = {
  title: 'nginx', gracefulSignal: 'SIGQUIT', gracefulStop: 'nginx -s quit', onSigterm: 'a fast shutdown that closes connections with requests in flight',
};
const OPENRESTY: ServerFamily = { ...NGINX, title: 'OpenResty', gracefulStop: 'openresty -s quit' };
const HTTPD: ServerFamily = {
  title: 'Apache httpd', gracefulSignal: 'SIGWINCH', gracefulStop: 'apachectl -k graceful-stop', onSigterm: 'an immediate stop that kills its children with requests in flight',
};

/** Executables that start each server. */
const EXECUTABLES: Record<string, ServerFamily> = {
  'nginx': NGINX,
  'openresty': OPENRESTY,
  'httpd': HTTPD,
  'apache2': HTTPD,
  'apachectl': HTTPD,
  'apache2ctl': HTTPD,
  'httpd-foreground': HTTPD,
  'apache2-foreground': HTTPD,
};

/** Last segment of an image repository that names each server. */
const IMAGE_NAMES: Record<string, ServerFamily> = {
  'nginx': NGINX, 'nginx-unprivileged': NGINX, 'openresty': OPENRESTY, 'httpd': HTTPD, 'apache': HTTPD, 'apache2': HTTPD,
};

/** Images whose Dockerfile declares the graceful STOPSIGNAL. */
const DECLARES_GRACEFUL_SIGNAL = new Set(['nginx', 'nginxinc/nginx-unprivileged', 'openresty/openresty', 'httpd']);
/** Images whose Dockerfile declares no STOPSIGNAL: the kubelet sends SIGTERM. */
const DECLARES_NO_SIGNAL = new Set(['bitnami/nginx', 'bitnami/apache']);
/** Process managers that stop their programs with SIGTERM unless configured otherwise. */
const PROCESS_MANAGERS = /^(supervisord|runsvdir|s6-svscan|honcho|foreman)$/;
/** Wrappers that pass the stop signal on to the program they start. */
const SIGNAL_FORWARDERS = /^(tini|dumb-init|catatonit|exec)$/;

/** The basename of the program a container's command starts, past wrappers and `sh -c "exec …"`. */
function startedProgram(c: ContainerView): { program?: string; manager?: string } {
  const script = shellScriptOf(c.json.command, c.json.args);
  let words: string[];
  if (script !== undefined) {
    const statements = withoutQuotedText(script).split(/\n|;|&&|\|\|/).map(s => s.trim()).filter(s => s.length > 0 && !s.startsWith('#'));
    words = (statements[statements.length - 1] ?? '').split(/\s+/);
  } else {
    words = [...(Array.isArray(c.json.command) ? c.json.command : []), ...(Array.isArray(c.json.args) ? c.json.args : [])].map(String);
  }
  for (const word of words) {
    const base = word.replace(/^["']|["']$/g, '').split('/').pop() ?? '';
    if (PROCESS_MANAGERS.test(base)) return { manager: base };
    if (SIGNAL_FORWARDERS.test(base) || word === '--' || /^-/.test(word)) continue;
    return { program: base };
  }
  return {};
}

/** What the manifest tells about one container's server and the signal that stops it. */
interface ServerView {
  readonly family: ServerFamily;
  readonly image: string;
  /** Whether the manifest's own command starts the server (not the image's entrypoint). */
  readonly startedByCommand: boolean;
  readonly manager?: string;
  readonly imageSignal: 'graceful' | 'sigterm' | 'unknown';
}

// GS038 and GS039 both ask about every serving container: read each once.
const serverOfContainer = new WeakMap<ContainerView, ServerView | null>();

function serverOf(c: ContainerView): ServerView | undefined {
  let known = serverOfContainer.get(c);
  if (known === undefined) {
    known = readServer(c) ?? null;
    serverOfContainer.set(c, known);
  }
  return known ?? undefined;
}

/** A word every executable and image name above contains: without one, the container runs none of these servers. */
const SERVER_HINT = /nginx|openresty|httpd|apache/;

function mayRunKnownServer(c: ContainerView): boolean {
  if (SERVER_HINT.test(c.image)) return true;
  for (const words of [c.json.command, c.json.args]) {
    if (Array.isArray(words) && words.some(w => SERVER_HINT.test(String(w)))) return true;
  }
  return false;
}

function readServer(c: ContainerView): ServerView | undefined {
  // Most containers run none of these servers: told apart without parsing image or command.
  if (!mayRunKnownServer(c)) {
    return undefined;
  }
  const { repository, tag } = imageRepository(c.image);
  const { program, manager } = startedProgram(c);
  const byImage = IMAGE_NAMES[repository.split('/').pop() ?? ''] ?? (repository === 'php' && /apache/.test(tag) ? HTTPD : undefined);
  const byCommand = program !== undefined ? EXECUTABLES[program] : undefined;
  const family = byCommand ?? byImage;
  if (!family) {
    return undefined;
  }
  const imageSignal = (DECLARES_GRACEFUL_SIGNAL.has(repository) || (repository === 'php' && /apache/.test(tag))) && byImage === family ? 'graceful'
    : DECLARES_NO_SIGNAL.has(repository) ? 'sigterm' : 'unknown';
  return { family, image: c.image, startedByCommand: byCommand !== undefined, manager, imageSignal };
}

/** True when a preStop script keeps waiting after its graceful stop command (a trailing sleep, wait or poll). */
function waitsAfterStop(command: string[] | undefined): boolean {
  const script = command && command.length >= 3 ? shellScriptOf(command, []) : undefined;
  if (script === undefined) return false;
  const statements = script.split(/\n|;|&&|\|\|/).map(s => s.trim()).filter(s => s.length > 0);
  const last = (statements[statements.length - 1] ?? '').split(/\s+/);
  return sleepSecondsOf(last) !== undefined || /^(while|until|wait|pgrep|done)\b/.test(last[0] ?? '');
}

/** How the container is stopped, and whether that is the server's graceful stop. */
function verdict(c: ContainerView, s: ServerView): { certain: boolean; why: string } | undefined {
  const stopSignal = c.json.lifecycle?.stopSignal;
  if (typeof stopSignal === 'string') {
    return stopSignal === s.family.gracefulSignal || !['SIGTERM', 'SIGINT'].includes(stopSignal) ? undefined
      : { certain: true, why: `lifecycle.stopSignal is ${stopSignal}` };
  }
  const graceful = c.preStop.stopCommand !== undefined && c.preStop.gracefulStopAfterSleep;
  if (graceful && waitsAfterStop(c.preStop.command)) {
    return undefined;
  }
  if (s.manager !== undefined) {
    return { certain: false, why: `it runs under ${s.manager}, which stops its programs with SIGTERM unless its configuration says otherwise` };
  }
  if (s.imageSignal === 'graceful') {
    return undefined;
  }
  const quitThenSignal = graceful ? `; the preStop '${c.preStop.stopCommand}' returns at once and the kubelet's signal follows, turning the graceful stop into a fast one` : '';
  if (s.imageSignal === 'sigterm') {
    return { certain: true, why: `image '${s.image}' declares no STOPSIGNAL, so the kubelet sends SIGTERM${quitThenSignal}` };
  }
  if (s.startedByCommand) {
    return { certain: false, why: `its command starts it in image '${s.image}', which is not known to declare STOPSIGNAL ${s.family.gracefulSignal}${quitThenSignal}` };
  }
  return undefined;
}

function stopSignalFindings(ctx: WorkloadContext, certain: boolean): RawFinding[] {
  return ctx.traffic.serving.flatMap((t: ContainerTraffic) => {
    const c = t.container;
    const server = serverOf(c);
    if (!server) {
      return []; // not nginx, OpenResty or Apache httpd
    }
    if (entrypointVerdict(c.json.command, c.json.args, c.image)?.reaches === 'no') {
      return []; // GS006: no signal reaches the server at all
    }
    if (c.preStop.stopCommand !== undefined && !c.preStop.gracefulStopAfterSleep) {
      return []; // GS023: the preStop stops the server at the deletion
    }
    const v = verdict(c, server);
    if (!v || v.certain !== certain) {
      return [];
    }
    const f = server.family;
    return [{
      container: c.name,
      pointer: typeof c.json.lifecycle?.stopSignal === 'string' ? `${c.pointer}/lifecycle/stopSignal` : c.pointer,
      message: `runs ${f.title}, whose graceful stop is ${f.gracefulSignal} (\`${f.gracefulStop}\`): ${v.why}; `
        + `${certain ? 'on SIGTERM' : 'if it gets SIGTERM,'} ${f.title} makes ${f.onSigterm}`,
      fix: `wait, ask for the graceful stop and wait for it: exec preStop \`sh -c "sleep 15 && ${f.gracefulStop} && sleep 15"\` `
        + `(GracefulDeployment: \`PreStop.sleepThen(${JSON.stringify(f.gracefulStop.split(' '))})\`), or set lifecycle.stopSignal: ${f.gracefulSignal} `
        + '(Kubernetes ≥ 1.33 with the ContainerStopSignals feature gate, and spec.os.name), or use an image that declares the graceful STOPSIGNAL',
    }];
  });
}

export const SIGNAL_RULES = area('signals', [
  {
    id: 'GS038',
    severity: Severity.ERROR,
    title: 'nginx or Apache httpd stopped with SIGTERM, its fast shutdown',
    rationale: 'The kubelet stops a container with its image\'s STOPSIGNAL, SIGTERM when the image declares none, or lifecycle.stopSignal (spec 1.4, '
      + '1.8). nginx and OpenResty shut down fast on SIGTERM and gracefully on SIGQUIT; Apache httpd stops at once on SIGTERM and gracefully on '
      + 'SIGWINCH: either way requests in flight are cut. The official nginx, httpd and php:*-apache images (and nginxinc/nginx-unprivileged, '
      + 'openresty/openresty) declare the graceful signal; bitnami/nginx and bitnami/apache declare none.',
    fix: 'add a preStop that waits, asks for the graceful stop and waits for it (`sh -c "sleep 15 && nginx -s quit && sleep 15"`; GracefulDeployment: '
      + '`PreStop.sleepThen([...])`), or set lifecycle.stopSignal to the graceful signal (Kubernetes ≥ 1.33, ContainerStopSignals feature gate)',
    phase: TimelinePhase.SIGTERM,
    kinds: LONG_RUNNING_KINDS,
    check: onWorkload(ctx => stopSignalFindings(ctx, true)),
  },
  {
    id: 'GS039',
    severity: Severity.WARNING,
    title: 'nginx or Apache httpd may be stopped with SIGTERM',
    rationale: 'The manifest starts nginx, OpenResty or Apache httpd itself, in an image not known to declare its graceful STOPSIGNAL, or under a process '
      + 'manager such as supervisord: if the server gets SIGTERM it stops fast and cuts requests in flight (spec 1.8). The manifest cannot show the '
      + 'image\'s STOPSIGNAL; a custom image that starts the server from its own entrypoint is not judged (most inherit the official image\'s signal).',
    fix: 'declare STOPSIGNAL SIGQUIT (nginx) or SIGWINCH (httpd) in the image, or add a preStop that waits, asks for the graceful stop and waits for it '
      + '(GracefulDeployment: `PreStop.sleepThen([...])`)',
    phase: TimelinePhase.SIGTERM,
    kinds: LONG_RUNNING_KINDS,
    check: onWorkload(ctx => stopSignalFindings(ctx, false)),
  },
]);
