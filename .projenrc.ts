import { JsonFile, cdk8s, javascript } from 'projen';
import { UpdateSnapshot } from 'projen/lib/javascript';
import { ReleaseTrigger } from 'projen/lib/release';

// ---- One package per cdk8s-plus major (scripts/variants.js, docs/releasing.md) ------------------
// graceful-k8s is built on cdk8s-plus-27 (this repository as it is); each variant is the same
// source built against another major, its seam (src/_kplus.ts) pointed at it. The dev dependency
// is the version the variant is built and tested with, and the floor of its peer range.
const MAIN_PLUS = { package: 'graceful-k8s', plus: 'cdk8s-plus-27', plusVersion: '2.9.5' };
const VARIANTS = [
  { major: 33, package: 'graceful-k8s-33', plus: 'cdk8s-plus-33', plusVersion: '2.5.57' },
  { major: 34, package: 'graceful-k8s-34', plus: 'cdk8s-plus-34', plusVersion: '2.0.54' },
];

const project = new cdk8s.ConstructLibraryCdk8s({
  name: 'graceful-k8s',
  description: 'cdk8s constructs for zero-downtime Kubernetes deployments: graceful shutdown budgets, safe rollouts and disruption budgets, checked at synth.',
  author: 'graceful-k8s maintainers',
  authorAddress: 'maintainers@users.noreply.graceful-k8s.example',
  repositoryUrl: 'https://example.invalid/graceful-k8s.git',
  defaultReleaseBranch: 'main',
  keywords: ['cdk8s', 'kubernetes', 'graceful-shutdown', 'zero-downtime', 'prestop', 'rolling-update'],

  cdk8sVersion: '2.68.12',
  constructsVersion: '10.3.0',
  jsiiVersion: '~6.0.0',
  typescriptVersion: '~6.0.3',
  // What runs: nothing needs more than Node 20.0 (the drill's load uses node:http; the bundled
  // js-yaml states no floor, the peers say 16.20); CI and the benchmarks run 20.20.2.
  minNodeVersion: '20.0.0',
  peerDeps: ['cdk8s-plus-27@^2.9.5'],
  packageManager: javascript.NodePackageManager.NPM,
  projenrcTs: true,
  // Source maps beside the compiled files (lib/**/*.js.map, shipped), not inlined into them: an
  // inline map is two thirds of each file's bytes, read and scanned by every `require`, which
  // cost the checker's start about 15 ms (docs/benchmarks.md); a debugger or
  // `node --enable-source-maps` finds the file as it found the comment.
  tsconfig: { compilerOptions: { inlineSourceMap: false, sourceMap: true, inlineSources: true } },

  // The checker CLI: the GS rules over any YAML (Helm output, kustomize builds, hand-written).
  bin: { 'graceful-check': 'bin/graceful-check', 'graceful-drill': 'bin/graceful-drill' },
  // Run-time dependency of the checker (js-yaml); not a jsii module, so it is bundled. The
  // drill's HTTP load uses Node's own http.
  bundledDeps: ['js-yaml@^4.1.0'],
  devDeps: [
    '@types/js-yaml@^4.0.9',
    'cdk8s-cli@^2.207.0',
    'fast-check@^4.3.0',
    'kubernetes-models@^4.5.0',
    // Schemas of the custom resources the constructs emit (GKE BackendConfig, KEDA ScaledObject), for tests.
    '@kubernetes-models/gke@^4.6.2',
    '@kubernetes-models/keda@^2.0.0',
    'yaml@^2.8.0',
    // Drives Debian's chromium in the picture tests and `npx projen screenshots`. playwright-core has
    // no dependencies and no install script: it downloads no browser; the tests launch
    // /usr/bin/chromium (scripts/system-packages.sh) through executablePath.
    'playwright-core@^1.65.2',
    // The cdk8s-plus majors of the variant packages (VARIANTS above).
    ...VARIANTS.map(v => `${v.plus}@${v.plusVersion}`),
  ],

  // No GitHub is reachable from our machines; CI is `.ci/run`.
  github: false,
  // Releases are cut locally with `npx projen release` (docs/releasing.md): the version comes from the
  // Conventional Commits since the last tag, CHANGELOG.md is prepended, the release commit is tagged.
  // Nothing is pushed (no GitHub here): pushing and `npm publish` are separate, documented steps.
  release: true,
  releaseTrigger: ReleaseTrigger.manual({ changelogPath: 'CHANGELOG.md', gitPushCommand: '' }),
  // 0.x until the API settles (README "Versioning and releases"); the first release is 0.1.0, not projen's 0.0.0.
  nextVersionCommand: 'node scripts/next-version.js',
  releaseToNpm: false, // `npm publish dist/js/graceful-k8s-<version>.tgz` is a separate, documented step
  buildWorkflow: false,
  depsUpgrade: false,
  pullRequestTemplate: false,

  jestOptions: {
    // Machine-readable results for `.ci/run`'s closing line.
    extraCliOptions: ['--json', '--outputFile=test-reports/jest-results.json', '--forceExit'],
    // projen's default is `--updateSnapshot` (ALL), which silently rewrites a differing
    // snapshot. A changed YAML must fail; update on purpose with `npx projen test:update`.
    updateSnapshot: UpdateSnapshot.NEVER,
    // Coverage off and forceExit on: with v8 coverage, jest intermittently hung after every
    // test had passed (seen twice in ten full runs, never without coverage), and a hung CI
    // lands nothing.
    jestConfig: {
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      collectCoverage: false,
      // Every object a test synthesizes is checked against the Kubernetes schema (test/schema-setup.ts).
      setupFilesAfterEnv: ['<rootDir>/test/schema-setup.ts'],
    },
  },
  gitignore: ['/examples/**/dist/', '/examples/**/imports/', '/.tmp/', '/.variants/'],
  npmIgnoreOptions: { ignorePatterns: ['/examples/', '/.ci/', '/bench/', '/scripts/', '/api-baseline/', '/.tmp/', '/.variants/', '/variants.json'] },
});

// What the package contains is an allow-list ("files"), not only an ignore list: a stray file in the
// working tree (.tmp/, a test fixture, a new folder) cannot slip into the tarball. The list lives in
// scripts/package-files.js, which the variants' staging, test/package.test.ts and the release
// rehearsal read as well: one list for everything that decides or checks a package's files.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { PACKAGE_FILES } = require('./scripts/package-files') as { PACKAGE_FILES: string[] };
project.package.addField('files', PACKAGE_FILES);

// Lines of code within 150 characters (as cdk8s-plus); messages and test expectations quote whole
// error texts, so strings stay on one searchable line.
project.eslint?.addRules({
  '@stylistic/max-len': ['error', {
    code: 150, ignoreUrls: true, ignoreStrings: true, ignoreTemplateLiterals: true, ignoreRegExpLiterals: true, ignoreComments: true,
  }],
});

// Node resolves a package's own name through "exports" (self-reference), so the
// examples import 'graceful-k8s' exactly as a user's app does.
// '.' is the jsii API (constructs, value classes, props: what jsii-diff guards). './checks',
// './timing' and './drill' are JS-only entry points for plain functions and constants that jsii cannot type; the
// release records their export names in api-baseline/js-api.json and `api:check` guards those too.
project.package.addField('exports', {
  '.': { types: './lib/index.d.ts', default: './lib/index.js' },
  './checks': { types: './lib/checks/index.d.ts', default: './lib/checks/index.js' },
  './timing': { types: './lib/timing/index.d.ts', default: './lib/timing/index.js' },
  './drill': { types: './lib/drill/drill.d.ts', default: './lib/drill/drill.js' },
  './package.json': './package.json',
  './.jsii': './.jsii',
});

const synthExamples = project.addTask('synth:examples', {
  description: 'Compile, then synthesize every example app under examples/ to examples/<name>/dist/*.k8s.yaml with the cdk8s CLI',
});
// The examples import the compiled library (lib/), exactly as a user's app imports the package.
synthExamples.spawn(project.compileTask);
synthExamples.exec('node scripts/synth-examples.js');

// The rules table (docs/rules.md) and the traffic path table (docs/constructs.md) are generated
// from the code after each compile.
const docsRules = project.addTask('docs:rules', {
  description: 'Rewrite the generated tables of docs/rules.md (rule registry) and docs/constructs.md (traffic paths)',
  exec: 'node scripts/docs-rules.js',
});
project.postCompileTask.spawn(docsRules);

const bench = project.addTask('bench', {
  description: 'Benchmarks, ours next to the baseline in one run (see docs/benchmarks.md)',
});
bench.spawn(project.compileTask);
bench.exec('node --expose-gc bench/synth-bench.js');
bench.exec('node bench/check-bench.js');

const benchDrill = project.addTask('bench:drill', {
  description: 'Drill: naive vs graceful under load in rollouts at 1,000 requests/s (slow start, lag, crash), node drains, scale-downs, ALB lag, WebSockets rolling vs rainbow, '
    + 'sidecars, nginx signals, real nginx and HAProxy, StatefulSets and DaemonSets, and the controller table (about 17 minutes)',
});
benchDrill.spawn(project.compileTask);
benchDrill.exec('node bench/drill-bench.js');

const benchPackage = project.addTask('bench:package', {
  description: 'Packed and installed size of the npm package (npm pack, then npm install of the tarball into an empty project)',
});
benchPackage.spawn(project.compileTask);
benchPackage.exec('node scripts/package-size.js');

// The pictures of docs/images/: a real drill run (naive and graceful side by side) and a shutdown
// timeline, rendered by headless chromium. Not part of build or test: run it when the pictures change.
const screenshots = project.addTask('screenshots', {
  description: 'Render a real drill run and a shutdown timeline to docs/images/*.png with headless chromium (about a minute)',
});
screenshots.spawn(project.compileTask);
screenshots.exec('node scripts/screenshots.js');

project.tsconfigDev.addInclude('examples/**/*.ts');
project.tsconfigDev.addInclude('bench/**/*.ts');

// The lockfile is written by the machine's own npm (`npm install --package-lock-only` after changing
// dependencies) and must pass its `npm ci` from an empty cache, as on a newcomer's machine:
// test/lockfile.test.ts fails on any package entry without a version, the shape in which an older
// npm left the optional platform binaries of unrs-resolver (`@unrs/resolver-binding-*`, brought by
// jest 30's resolver and eslint-import-resolver-typescript) and which `npm ci` then rejected with
// "Invalid Version". npm 10 and 11 both accept a lockfile that passes the test.
//
// No dependency's install script is needed by the build, the tests or the examples: npm 11.19 skips
// them by default and warns ("install-scripts"): unrs-resolver's napi-postinstall only fetches a
// binding when the optional one is missing, @parcel/watcher (jsii-rosetta's, for watch modes) falls
// back to its JS build, and backport is a CLI this project never runs. test/lockfile.test.ts lists
// the packages with install scripts and fails on a new one, so a new need is seen.

// ---- Releases (docs/releasing.md) --------------------------------------------------------------
// The tarball is what `npm pack` writes: dist/js/graceful-k8s-<version>.tgz (jsii-pacmak would name it
// graceful-k8s@<version>.jsii.tgz; with no other jsii target it adds nothing else).
project.tasks.tryFind('package:js')!.reset('mkdir -p dist/js && npm pack --pack-destination dist/js');

// API compatibility, offline: jsii-diff of the compiled assembly against the last release's
// (api-baseline/, written by the release), plus the export names of the JS-only entry points.
// A breaking change passes only if a commit since the last release declares it (`!` or a
// BREAKING CHANGE footer), so that the release bumps the version accordingly.
const apiCheck = project.addTask('api:check', {
  description: 'API compatibility with the last release (api-baseline/): jsii-diff and JS entry points; breaking changes must be declared by a commit',
  exec: 'node scripts/api-check.js',
});
project.postCompileTask.spawn(apiCheck); // part of every build, hence of every release

// The release: bump (version from the Conventional Commits since the last tag) → prepare (the new
// CHANGELOG.md entry and the README's plugin version go into the package) → build (compile, tests,
// package, api:check) → unbump → anti-tamper → publish:git (API baseline refreshed, release commit, tag).
const release = project.tasks.tryFind('release')!;
const bumpIndex = release.steps.findIndex(step => step.spawn === 'bump');
release.insertStep(bumpIndex + 1, { exec: 'node scripts/release.js prepare' });
// projen's own publish:git writes CHANGELOG.md only after packaging (the tarball would ship the
// previous one) and commits nothing else: `release.js prepare` writes the entry before the build,
// `release.js commit` records the API baseline and makes the one release commit; projen tags it.
const publishGit = project.tasks.tryFind('publish:git')!;
publishGit.description = 'Refreshes api-baseline/ from the released assembly, commits the release (CHANGELOG.md, README.md, api-baseline/) and tags it';
publishGit.reset('node scripts/release.js commit');
publishGit.builtin('release/tag-version');
// The CI release rehearsal (.ci/run) runs right after CI ran every test on the same commit; it sets
// RELEASE_REHEARSAL=1 so that the clone's release does not run them a second time. Never for a real release.
// The Debian programs the tests run for real (dash, bash, busybox, nginx, haproxy, chromium): installed
// first where the machine allows it, else the one install command is printed (scripts/system-packages.sh).
project.testTask.prependExec('bash scripts/system-packages.sh');
project.testTask.addCondition('node -e "process.exit(process.env.RELEASE_REHEARSAL ? 1 : 0)"');

// api-baseline/.jsii is the last release's assembly, committed by the release; projen ignores every
// .jsii, so the exception must come after its pattern.
project.gitignore.addPatterns('!/api-baseline/.jsii');

// ---- Variant packages: built, checked and packed with the main one -------------------------------
// variants.json is what scripts/variants.js and the tests read; it is generated from VARIANTS.
new JsonFile(project, 'variants.json', {
  obj: { main: MAIN_PLUS, variants: VARIANTS },
  marker: true,
});
const variants = project.addTask('variants', {
  description: 'Build every variant package (graceful-k8s-33, -34) in .variants/<major>/ from src/, and check its API against its last release',
});
variants.exec('node scripts/variants.js build');
variants.exec('node scripts/variants.js api-check');
project.postCompileTask.spawn(variants); // part of every build, hence of every release
project.addTask('variants:examples', {
  description: 'Type-check and synthesize every example with each variant package (after `npx projen variants`)',
  exec: 'node scripts/variants.js examples',
});
// One tarball per package in dist/js/: the main one, then each variant's.
project.tasks.tryFind('package:js')!.exec('node scripts/variants.js pack');
project.gitignore.addPatterns('!/api-baseline/*/.jsii');

project.synth();
