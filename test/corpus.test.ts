// The checker on realistic manifests: a small hand-written set (fixtures/checker) and a corpus
// modelled on public charts (fixtures/corpus: argo-cd, cert-manager, ingress-nginx,
// kube-prometheus, linkerd, istio, the otel demo, knative, redis/kafka, legacy kinds, cloud load
// balancers, sidecars). Each file's exact findings are pinned in its *.expected.txt; the corpus
// files' truth (*.truth.md) says why, and DEVIATIONS.md where the two differ.
import * as fs from 'fs';
import * as path from 'path';
import { main } from '../src/cli/graceful-check';

const DIRS = ['checker', 'corpus'].map(d => path.join(__dirname, 'fixtures', d));

function check(dir: string, file: string): { code: number; report: any } {
  let stdout = '';
  const code = main([file, '-o', 'json', '--no-config'], { stdout: t => { stdout += t; }, stderr: () => undefined, readStdin: () => '', cwd: dir });
  return { code, report: JSON.parse(stdout) };
}

/** `GS005 error Deployment shop/web [container] line 26`, as in the *.expected.txt files. */
function summarize(findings: any[]): string[] {
  return findings.map(f => `${f.ruleId} ${f.severity} ${f.kind} ${f.namespace ? f.namespace + '/' : ''}${f.name}${f.container ? ` [${f.container}]` : ''} line ${f.line}`);
}

const CASES = DIRS.flatMap(dir => fs.readdirSync(dir).filter(f => f.endsWith('.yaml')).sort().map(f => [path.basename(dir), f, dir] as const));

describe('checker on realistic manifests: exact findings', () => {
  test('the corpus covers the installs that showed noise', () => {
    expect(CASES.map(([d, f]) => `${d}/${f}`)).toEqual([
      'checker/helm-output.yaml', 'checker/statefulset.yaml', 'checker/web-app.yaml', 'checker/worker.yaml',
      'corpus/argo-cd.yaml', 'corpus/cert-manager.yaml', 'corpus/cloud-paths.yaml', 'corpus/defaults-and-references.yaml', 'corpus/ingress-nginx.yaml',
      'corpus/istio-bookinfo.yaml', 'corpus/knative-serving.yaml', 'corpus/kube-prometheus.yaml', 'corpus/legacy.yaml', 'corpus/linkerd.yaml',
      'corpus/metrics-routing.yaml', 'corpus/otel-demo.yaml', 'corpus/peers-stops-timeline.yaml', 'corpus/redis-statefulset.yaml',
      'corpus/shell-entrypoints.yaml', 'corpus/sidecars.yaml', 'corpus/suppressions-helm-output.yaml',
    ]);
  });

  test.each(CASES)('%s/%s', (_d, file, dir) => {
    const expected = fs.readFileSync(path.join(dir, file.replace(/\.yaml$/, '.expected.txt')), 'utf8').trim().split('\n').filter(l => l !== '');
    const { code, report } = check(dir, file);
    // Problems with the input itself (a suppression of an unknown rule) are pinned like findings.
    const problemsFile = path.join(dir, file.replace(/\.yaml$/, '.problems.txt'));
    expect(report.problems).toEqual(fs.existsSync(problemsFile) ? fs.readFileSync(problemsFile, 'utf8').trim().split('\n') : []);
    expect(report.parseErrors).toEqual([]);
    expect(summarize(report.findings)).toEqual(expected);
    expect(code).toBe(expected.some(l => l.includes(' error ')) || fs.existsSync(problemsFile) ? 1 : 0);
    // Every reported line is inside the file and names the field (or its nearest ancestor).
    const lines = fs.readFileSync(path.join(dir, file), 'utf8').split('\n');
    for (const f of report.findings) {
      expect(lines[f.line - 1]).toMatch(/\S/);
    }
  });

  test('ports reached only by metrics scrapers are never listed as served (judged by routing, not by a name)', () => {
    for (const [, file, dir] of CASES) {
      const { report } = check(dir, file);
      // Ports whose every route is a metrics scrape, per workload and container, from the routes view.
      const metricsOnly = new Set<string>();
      for (const w of report.routes) {
        for (const c of w.containers) {
          const purposes = new Map<string, Set<string>>();
          for (const r of c.routes as string[]) {
            const m = /^port (\d+).*\((client|metrics|peer-discovery|config-stream)\) via/.exec(r);
            if (m) purposes.set(m[1], new Set([...(purposes.get(m[1]) ?? []), m[2]]));
          }
          for (const [port, kinds] of purposes) if (kinds.size === 1 && kinds.has('metrics')) metricsOnly.add(`${w.kind}/${w.namespace}/${w.name}/${c.container}/${port}`);
        }
      }
      for (const f of report.findings.filter((x: any) => ['GS001', 'GS003'].includes(x.ruleId))) {
        const listed = /serves port\(s\) (.*?) (?:and|but) has/.exec(f.message)?.[1] ?? '';
        for (const port of listed.match(/\b\d+(?= \(via)/g) ?? []) {
          expect(metricsOnly.has(`${f.kind}/${f.namespace}/${f.name}/${f.container}/${port}`)).toBe(false);
        }
      }
    }
  });
});
