import { cdk8s, javascript } from 'projen';
import { UpdateSnapshot } from 'projen/lib/javascript';

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
  minNodeVersion: '20.0.0',
  peerDeps: ['cdk8s-plus-27@^2.9.5'],
  packageManager: javascript.NodePackageManager.NPM,
  projenrcTs: true,

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
    'yaml@^2.8.0',
  ],

  // No GitHub is reachable from our machines; CI is `.ci/run`.
  github: false,
  release: false,
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
    },
  },
  gitignore: ['/examples/**/dist/', '/examples/**/imports/', '/.tmp/'],
  npmIgnoreOptions: { ignorePatterns: ['/examples/', '/.ci/', '/bench/', '/docs/', '/scripts/'] },
});

// Messages and test expectations quote whole error texts; keep them on one searchable line.
project.eslint?.addRules({
  '@stylistic/max-len': ['error', {
    code: 200, ignoreUrls: true, ignoreStrings: true, ignoreTemplateLiterals: true, ignoreRegExpLiterals: true, ignoreComments: true,
  }],
});

// Node resolves a package's own name through "exports" (self-reference), so the
// examples import 'graceful-k8s' exactly as a user's app does.
project.package.addField('exports', {
  '.': { types: './lib/index.d.ts', default: './lib/index.js' },
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

const bench = project.addTask('bench', {
  description: 'Benchmarks, ours next to the baseline in one run (see docs/benchmarks.md)',
});
bench.spawn(project.compileTask);
bench.exec('node --expose-gc bench/synth-bench.js');
bench.exec('node bench/check-bench.js');

const benchDrill = project.addTask('bench:drill', {
  description: 'Drill: naive cdk8s-plus vs GracefulDeployment under load in rollouts (plus slow-start, lag and crash), node drains and scale-downs, and issue 12\'s controller table (about 7 minutes)',
});
benchDrill.spawn(project.compileTask);
benchDrill.exec('node bench/drill-bench.js');

project.tsconfigDev.addInclude('examples/**/*.ts');
project.tsconfigDev.addInclude('bench/**/*.ts');

// npm 11.16+ writes lockfiles without the inert entries of optional platform packages
// (e.g. @unrs/resolver-binding-*) and then `npm ci` rejects its own lockfile (npm/cli#9846).
// After changing dependencies, regenerate the lockfile with npm 11.13, whose lockfiles `npm ci` accepts.
project.addTask('lockfile', {
  description: 'Regenerate package-lock.json so that `npm ci` accepts it (works around npm/cli#9846)',
  exec: 'npx -y npm@11.13.0 install --package-lock-only --no-audit --no-fund',
});

project.synth();
