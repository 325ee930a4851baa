// The drill's flag table: one declaration per flag gives its default, its parsing, its check and
// its line of --help, and each scenario adds its own flags. Pure: nothing starts.
import { main } from '../src/cli/graceful-drill';
import { DRILL_DEFAULTS, DRILL_FLAGS, drillOptionProblems, SCENARIOS } from '../src/drill/drill';
import { parseFlags } from '../src/drill/options/flags';

async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, t => { out += t; }, t => { err += t; });
  return { code, out, err };
}

describe('one table of flags', () => {
  test('--help has a line for every flag and every scenario, with the defaults of the table', async () => {
    const { code, out } = await cli(['--help']);
    expect(code).toBe(0);
    for (const f of DRILL_FLAGS) expect(out).toContain(`--${f.name}`);
    for (const s of SCENARIOS) expect(out).toMatch(new RegExp(`^  ${s} `, 'm'));
    expect(out).toMatch(/--rate <n>\s+requests per second \(default 200\)/);
    expect(out).toMatch(/--data-plane <kind>\s+kube-proxy: .*\(default\s+kube-proxy\)/s);
    expect(out).toMatch(/--drain-nodes <n>\s+nodes drained by the drain scenario \(default 1\)/);
  });

  test('the defaults come from the table, the drain scenario\'s among them', () => {
    expect(DRILL_DEFAULTS).toMatchObject({
      rate: 200,
      postShare: 0.1,
      connections: 16,
      dataPlane: 'kube-proxy',
      proxyRetries: 'none',
      entrypoint: 'manifest',
      shell: '/bin/sh',
      drainNodes: 1,
      lag: { min: 0, max: 1 },
      nodes: 3,
      scenario: 'rollout',
    });
    expect(SCENARIOS).toEqual(['rollout', 'drain', 'scale-down', 'rainbow']);
  });

  test('parsing: numbers, ranges, KEY=VALUE pairs, repeatable lists, options of an option object', () => {
    const { options, cli: only, positionals } = parseFlags(DRILL_FLAGS, ['m.yaml', '--exec', 'node a.js', '--rate', '1000', '--lag', '0-5', '--env', 'A=1', '--env', 'B=2=3',
      '--feature-gate', 'MaxUnavailableStatefulSet', '--long-lived', '5', '--long-lived-kind', 'sse', '--data-plane', 'haproxy', '--json']);
    expect(positionals).toEqual(['m.yaml']);
    expect(only).toEqual({ json: true });
    expect(options).toEqual({
      exec: 'node a.js',
      rate: 1000,
      lag: { min: 0, max: 5 },
      env: { A: '1', B: '2=3' },
      featureGates: ['MaxUnavailableStatefulSet'],
      longLived: { connections: 5, kind: 'sse' },
      dataPlane: 'haproxy',
    });
  });

  test.each(DRILL_FLAGS.filter(f => f.limit && f.option && !f.option.includes('.')).map(f => [f.name, f]))('--%s is checked against its bounds', (_name, f) => {
    const limit = f.limit!;
    const value = limit.max + 1;
    const problems = drillOptionProblems({ exec: 'x', [f.option!]: value });
    expect(problems).toContain(`'--${f.name}' (${value}) must be ${limit.integer ? 'a whole number' : 'a number'} `
      + `${limit.above ? `above ${limit.min} and at most ${limit.max}` : `from ${limit.min} to ${limit.max}`}; ${limit.fix}`);
  });

  test('choices and flags that need one another, with the value and the fix', () => {
    expect(drillOptionProblems({ exec: 'x', dataPlane: 'envoy' as any })).toEqual(["'--data-plane' (envoy) must be one of kube-proxy, haproxy; e.g. --data-plane haproxy"]);
    expect(drillOptionProblems({ exec: 'x', featureGates: ['Bogus'] })).toEqual(["'--feature-gate' (Bogus) must be one of MaxUnavailableStatefulSet; e.g. --feature-gate MaxUnavailableStatefulSet"]);
    expect(drillOptionProblems({ exec: 'x', proxyRetries: 'default' })).toEqual(["'--proxy-retries' (default) needs '--data-plane haproxy': kube-proxy forwards connections and retries nothing"]);
    expect(drillOptionProblems({ exec: 'x', dataPlane: 'haproxy', longLived: { connections: 5 } })).toEqual([
      "'--long-lived' needs '--data-plane kube-proxy': long-lived connections are attributed to their pod through its connection log; drop one of the two",
    ]);
    expect(drillOptionProblems({ exec: 'x', postShare: 1.5 })).toEqual(["'--post-share' (1.5) must be a number from 0 to 1; give the share of POST requests, e.g. 0.2"]);
    expect(drillOptionProblems({ exec: 'x', entrypoint: 'shell' as any })).toEqual(["'--entrypoint' (shell) must be one of manifest, exec; e.g. --entrypoint exec"]);
  });
});
