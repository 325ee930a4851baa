// Which shell runs a container's `sh -c` script, and whether the kubelet's SIGTERM reaches the
// program the script starts (spec 1.4, docs/kubernetes-semantics.md 8).
//
// A container's main process is PID 1 of its PID namespace, and the kernel delivers a signal to
// PID 1 only if it has a handler for it. A shell that runs the app as a child stays PID 1 and has
// no handler for SIGTERM: the signal is dropped, the app never drains, and SIGKILL ends both at
// the end of the grace period. Whether the shell runs the app as a child depends on the shell,
// measured on Debian 12's packages (test/shells.test.ts runs each one as PID 1 of a new PID
// namespace and observes who gets SIGTERM):
//   - dash 0.5.12, /bin/sh of Debian and Ubuntu: never replaces itself with the last command of
//     `-c`; only `exec` does.
//   - bash 5.2: replaces itself with the last command of a top-level list (`cd /srv && node
//     app.js`, `a; b`), unless it has a redirection, is in a pipeline, in the background or inside
//     a compound command (`if`, `case`, `{ }`, `( )`, loops), or an EXIT trap is set.
//   - busybox 1.35 ash, /bin/sh of Alpine and busybox images: like bash, and also with a
//     redirection and inside `if`, `case`, `{ }` and `( )`; not inside loops, pipelines, the
//     background, or with an EXIT trap.
// Which shell `sh` is depends on the image's family (IMAGE_FAMILIES below, with the Dockerfiles
// they come from). An image of unknown family gets a verdict only where all three shells agree.

import { imageRepository } from './image';
import { shellCommandOf, withoutQuotedText } from './pre-stop-hook';

/** The shells a container's `sh` may be. */
export type ShellName = 'dash' | 'bash' | 'ash';

/** Every shell, in the order messages list them. */
export const SHELL_NAMES: readonly ShellName[] = ['dash', 'bash', 'ash'];

/** How each shell is named in messages. */
export const SHELL_TITLES: Record<ShellName, string> = {
  dash: 'dash (/bin/sh of Debian and Ubuntu)',
  bash: 'bash (/bin/sh of RHEL, UBI, Amazon Linux and Oracle Linux)',
  ash: 'busybox ash (/bin/sh of Alpine and busybox)',
};

/** The families of base images, by what their /bin/sh is. */
export type ImageFamilyName = 'debian' | 'ubuntu' | 'alpine' | 'busybox' | 'rhel' | 'distroless';

/** An image's family and the shell its /bin/sh is. */
export interface ImageFamily {
  readonly family: ImageFamilyName;
  /** The shell `sh` starts; undefined for images without a shell. */
  readonly sh?: ShellName;
  /** Why the image is taken to be of this family (its tag or repository, and the source). */
  readonly why: string;
}

const SH_OF_FAMILY: Record<ImageFamilyName, ShellName | undefined> = {
  debian: 'dash', ubuntu: 'dash', alpine: 'ash', busybox: 'ash', rhel: 'bash', distroless: undefined,
};

/** A tag word that names the base image's release (`node:22-alpine3.20`, `python:3.12-slim-bookworm`, `eclipse-temurin:21-jre-jammy`). */
const TAG_FAMILIES: ReadonlyArray<readonly [RegExp, ImageFamilyName, string]> = [
  [/(^|[-_.])alpine/, 'alpine', 'the tag names Alpine'],
  [/(^|[-_.])(ubi\d*|ubi\d+-minimal|el\d+|centos\d*|rockylinux|almalinux|amazonlinux|al2023|al2|oraclelinux\d*|oracle)([-_.]|$)/, 'rhel', 'the tag names a RHEL-family base'],
  [/(^|[-_.])(jammy|focal|noble|bionic|xenial|oracular|plucky)([-_.]|$)/, 'ubuntu', 'the tag names an Ubuntu release'],
  [/(^|[-_.])(bookworm|bullseye|buster|stretch|trixie|slim|debian)([-_.]|$)/, 'debian', 'the tag names a Debian release'],
];

/**
 * Repositories whose default tags are built on a known base. Sources: the official images'
 * Dockerfiles (docker-library and the projects' own repositories), as read for this table.
 */
const REPOSITORY_FAMILIES: ReadonlyArray<readonly [RegExp, ImageFamilyName, string]> = [
  [/^(alpine|caddy|traefik|registry|bash)$/, 'alpine', 'an Alpine-based official image'],
  [/^busybox$/, 'busybox', 'the busybox image'],
  [/^(debian|buildpack-deps|node|python|golang|ruby|php|perl|rust|nginx|httpd|redis|postgres|memcached|haproxy|wordpress|ghost|bitnami\/.+)$/, 'debian',
    'a Debian-based image (docker-library Dockerfiles: FROM debian or buildpack-deps; nodejs/docker-node: FROM buildpack-deps:bookworm; bitnami: minideb)'],
  [/^(ubuntu|eclipse-temurin|maven|gradle|tomcat|rabbitmq|mariadb|mongo)$/, 'ubuntu', 'an Ubuntu-based official image (adoptium/containers: FROM ubuntu)'],
  [/^(ubi\d*(-minimal|-micro)?|ubi\d+\/.+|rhel\d*\/.+|centos(\/.+)?|fedora|rockylinux(\/.+)?|almalinux|amazonlinux|oraclelinux|amazoncorretto|mysql)$/, 'rhel',
    'a RHEL-family image (Red Hat UBI, CentOS, Fedora, Rocky, Alma, Amazon Linux; amazoncorretto: FROM amazonlinux; mysql ≥ 8: FROM oraclelinux)'],
  [/^(distroless\/.+|chainguard\/.+|static|scratch)$/, 'distroless', 'a distroless image without a shell'],
];

/** The registries that only serve RHEL-family images. */
const RHEL_REGISTRY = /^(registry\.access\.redhat\.com|registry\.redhat\.io)\//;

/** Families already read, by image reference: an install names the same few images on many objects. Bounded. */
const familyOfImage = new Map<string, ImageFamily | null>();

/** The family of an image from its reference, or undefined when the reference does not tell. */
export function imageFamilyOf(image: string): ImageFamily | undefined {
  let known = familyOfImage.get(image);
  if (known === undefined) {
    known = readImageFamily(image) ?? null;
    if (familyOfImage.size < 10_000) familyOfImage.set(image, known);
  }
  return known ?? undefined;
}

function readImageFamily(image: string): ImageFamily | undefined {
  if (RHEL_REGISTRY.test(image)) {
    return { family: 'rhel', sh: 'bash', why: 'a Red Hat registry image (UBI)' };
  }
  const { repository, tag } = imageRepository(image);
  for (const [pattern, family, why] of TAG_FAMILIES) {
    if (tag !== '' && pattern.test(tag)) return { family, sh: SH_OF_FAMILY[family], why };
  }
  const name = repository.replace(/^(gcr\.io|cgr\.dev)\//, '');
  for (const [pattern, family, why] of REPOSITORY_FAMILIES) {
    if (pattern.test(name) || pattern.test(repository.split('/').pop() ?? '')) {
      return { family, sh: SH_OF_FAMILY[family], why };
    }
  }
  return undefined;
}

/** The shell a command word starts (`sh`, `/bin/bash`, `busybox` before `sh`), given the image. */
export function shellOfWord(word: string, image: string): { shell?: ShellName; why: string } {
  const base = word.split('/').pop() ?? word;
  switch (base) {
    case 'bash': return { shell: 'bash', why: 'bash' };
    case 'dash': return { shell: 'dash', why: 'dash' };
    case 'ash':
    case 'busybox': return { shell: 'ash', why: 'busybox ash' };
    default: {
      const family = imageFamilyOf(image);
      if (family?.sh) {
        return { shell: family.sh, why: `${word} in image '${image}', ${family.why}, whose /bin/sh is ${family.sh === 'ash' ? 'busybox ash' : family.sh}` };
      }
      return { why: `${word} in image '${image}', whose /bin/sh the manifest does not tell` };
    }
  }
}

/** What a script's last statement is, as the shells decide whether to replace themselves with it. */
export type LastStatement =
  /** `exec cmd …`: every shell replaces itself. */
  | 'exec'
  /** A plain command, no redirection. */
  | 'simple'
  /** A command with a redirection (`node app.js 2>&1`). */
  | 'redirected'
  /** A builtin the shell runs itself (`wait`, `true`): the shell stays. */
  | 'builtin'
  /** In a pipeline (`node app.js | tee log`). */
  | 'pipeline'
  /** Started in the background (`node app.js &`). */
  | 'background'
  /** Inside `if`, `case`, `{ }` or `( )`. */
  | 'conditional'
  /** Inside a loop (`while`, `until`, `for`). */
  | 'loop';

/** What decides whether SIGTERM reaches the app a `-c` script starts. */
export interface ScriptShape {
  readonly last: LastStatement;
  /** A `trap … TERM` handler: the script forwards the signal itself. */
  readonly trapsTerm: boolean;
  /** A `trap … EXIT` handler: the shell must stay to run it. */
  readonly trapsExit: boolean;
  /** Commands started in the background before the last statement: no signal reaches them. */
  readonly background: boolean;
}

/** Builtins a script may end with: the shell runs them itself and stays. */
const BUILTINS = new Set(['wait', 'true', 'false', ':', 'cd', 'export', 'set', 'unset', 'read', 'echo', 'printf', 'exit', 'return', 'shift', 'trap', 'eval', 'source', '.']);
/** A redirection word: `>`, `2>&1`, `<in`, `&>out`, `>>log`. */
const REDIRECTION = /(^|\s)(\d*[<>]|&>)/;

/** Shapes already read, by script: charts repeat one wrapper script on many workloads. Bounded. */
const shapeOfScript = new Map<string, ScriptShape>();

/** Reads a `-c` script's shape: its last statement, traps and background jobs. */
export function scriptShape(script: string): ScriptShape {
  let known = shapeOfScript.get(script);
  if (!known) {
    known = readScriptShape(script);
    if (shapeOfScript.size < 10_000) shapeOfScript.set(script, known);
  }
  return known;
}

function readScriptShape(script: string): ScriptShape {
  // Quoted text, command substitutions and parameter expansions are single words to the shell.
  const plain = withoutQuotedText(script)
    .replace(/\$\([^()]*\)|\x60[^\x60]*\x60/g, 'SUBST')
    .replace(/\$\{[^}]*\}/g, 'VAR')
    .replace(/(^|\s)#[^\n]*/g, '$1')
    .trim()
    .replace(/[;\s]+$/, '');
  const trapsTerm = /\btrap\b[^\n;]*\s(SIG)?(TERM|15)\b/.test(plain);
  const trapsExit = /\btrap\b[^\n;]*\s(EXIT|0)\b/.test(plain);
  let last: LastStatement;
  if (/\bdone$/.test(plain)) {
    last = 'loop';
  } else if (/\b(fi|esac)$/.test(plain) || /[})]$/.test(plain)) {
    last = 'conditional';
  } else if (/[^&<>]&$/.test(plain)) {
    last = 'background';
  } else {
    const statements = plain.split(/\n|;|&&|\|\||(?<![&<>])&(?![&>])/).map(s => s.trim()).filter(s => s.length > 0);
    last = statementKind(statements[statements.length - 1] ?? '');
  }
  // A single `&` before the end starts a job the shell never signals.
  const body = last === 'background' ? plain.slice(0, -1) : plain;
  const background = /(?<![&>|])&(?![&>])/.test(body.replace(/&&/g, ' '));
  return { last, trapsTerm, trapsExit, background };
}

function statementKind(statement: string): LastStatement {
  if (/\|/.test(statement)) return 'pipeline';
  const words = statement.split(/\s+/);
  // Leading assignments (`FOO=1 node app.js`) belong to the command.
  let i = 0;
  while (i < words.length && /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[i])) i++;
  const first = words[i] ?? '';
  if (first === 'exec' && words.length > i + 1 && !/^(\d*[<>]|&>)/.test(words[i + 1])) return 'exec';
  if (BUILTINS.has(first) || first === 'exec') return 'builtin';
  return REDIRECTION.test(statement) ? 'redirected' : 'simple';
}

/** Whether a shell replaces itself with the script's last command (measured; see the top of this file). */
export function shellExecsLast(shell: ShellName, shape: ScriptShape): boolean {
  if (shape.last === 'exec') return true;
  if (shell === 'dash' || shape.trapsExit) return false;
  switch (shape.last) {
    case 'simple': return true;
    case 'redirected':
    case 'conditional': return shell === 'ash';
    default: return false;
  }
}

/** Whether SIGTERM reaches the app started by a script, in one shell. */
export function sigtermReachesApp(shell: ShellName, shape: ScriptShape): boolean {
  if (shape.trapsTerm) return true; // the script forwards it (or handles it) itself
  if (shape.background && shape.last !== 'exec') return false;
  return shellExecsLast(shell, shape);
}

/** The verdict on a shell entrypoint: SIGTERM reaches the app, never does, or depends on the image's /bin/sh. */
export interface ShellVerdict {
  readonly reaches: 'yes' | 'no' | 'depends';
  /** The shell that runs the script, when known. */
  readonly shell?: ShellName;
  /** Which shell and why, as messages say it. */
  readonly why: string;
  /** Shells under which SIGTERM is lost, when the shell is unknown. */
  readonly swallowedBy: ShellName[];
}

/** Whether SIGTERM reaches the app a container's `<shell> -c <script>` starts. */
export function shellVerdict(shellWord: string, script: string, image: string): ShellVerdict {
  const shape = scriptShape(script);
  const { shell, why } = shellOfWord(shellWord, image);
  if (shell) {
    return { reaches: sigtermReachesApp(shell, shape) ? 'yes' : 'no', shell, why, swallowedBy: sigtermReachesApp(shell, shape) ? [] : [shell] };
  }
  const swallowedBy = SHELL_NAMES.filter(s => !sigtermReachesApp(s, shape));
  return { reaches: swallowedBy.length === 0 ? 'yes' : swallowedBy.length === SHELL_NAMES.length ? 'no' : 'depends', why, swallowedBy };
}

/** Why a shell keeps SIGTERM from the app, as messages say it. */
export function swallowReason(shell: ShellName, shape: ScriptShape): string {
  if (shape.background && shape.last !== 'exec') return 'the app is started in the background (`&`), and the shell forwards no signal to it';
  if (shell === 'dash') return 'dash never replaces itself with a command of `-c` (only `exec` does)';
  if (shape.trapsExit) return `an EXIT trap keeps ${shell} running to call it`;
  switch (shape.last) {
    case 'builtin': return 'the script ends with a shell builtin, which the shell runs itself';
    case 'pipeline': return 'the last command is in a pipeline';
    case 'background': return 'the last command runs in the background';
    case 'loop': return 'the last command is inside a loop';
    case 'redirected': return 'bash does not replace itself with a command that has a redirection';
    case 'conditional': return 'bash does not replace itself with a command inside `if`, `case`, `{ }` or `( )`';
    default: return `${shell} keeps running`;
  }
}

/** A container's shell entrypoint and what becomes of SIGTERM, or undefined when it runs no shell. */
export interface EntrypointVerdict extends ShellVerdict {
  /** The shell word as written (`sh`, `/bin/bash`, `busybox`). */
  readonly shellWord: string;
  readonly script: string;
  readonly shape: ScriptShape;
}

/** The verdict on a container's `command`/`args` when they run a `-c` script in the image. */
const verdicts = new WeakMap<object, { image: string; verdict: EntrypointVerdict | undefined }>();

/** `entrypointVerdict` of a container's JSON, read once (GS006, GS040 and the signal rules each ask). */
export function containerEntrypointVerdict(container: { command?: unknown; args?: unknown }, image: string): EntrypointVerdict | undefined {
  const known = verdicts.get(container);
  if (known && known.image === image) return known.verdict;
  const verdict = verdictOfWords(container.command, container.args, image);
  verdicts.set(container, { image, verdict });
  return verdict;
}

/**
 * The same command in the same image has the same verdict: a chart's workloads repeat theirs in
 * every release and namespace. Bounded, since an input may hold many distinct ones.
 */
const verdictsByWords = new Map<string, EntrypointVerdict | undefined>();
const MAX_REMEMBERED_COMMANDS = 10_000;

function verdictOfWords(command: unknown, args: unknown, image: string): EntrypointVerdict | undefined {
  const commandWords = Array.isArray(command) ? command.length : 0;
  const argWords = Array.isArray(args) ? args.length : 0;
  // Fewer than three words cannot hand a shell a script: nothing to remember.
  if (commandWords + argWords < 3) return undefined;
  const words = [...(Array.isArray(command) ? command : []), ...(Array.isArray(args) ? args : [])];
  const key = `${image}\0${commandWords}\0${words.join('\0')}`;
  if (verdictsByWords.has(key)) return verdictsByWords.get(key);
  const verdict = entrypointVerdict(command, args, image);
  if (verdictsByWords.size >= MAX_REMEMBERED_COMMANDS) verdictsByWords.clear();
  verdictsByWords.set(key, verdict);
  return verdict;
}

export function entrypointVerdict(command: unknown, args: unknown, image: string): EntrypointVerdict | undefined {
  const found = shellCommandOf(Array.isArray(command) ? command : undefined, Array.isArray(args) ? args : undefined);
  if (!found) return undefined;
  const shape = scriptShape(found.script);
  // An init in front (tini, dumb-init) makes the shell a plain parent, and the init exits as
  // soon as the shell does: a shell that stays dies of the SIGTERM, and the app is killed with
  // the container at once, whether or not the init signalled its group (tini -g, dumb-init):
  // measured, docs/kubernetes-semantics.md 8.2. The verdict is the shell's.
  const verdict = shellVerdict(found.shell, found.script, image);
  const why = found.init ? `${verdict.why}, started by ${found.init.name}` : verdict.why;
  return { ...verdict, why, shellWord: found.shell, script: found.script, shape };
}
