// Objects of one chart that the API server would store as one: the same group, kind, namespace
// and name. A dry run passes each; `kubectl apply` (and Argo CD, Flux) writes the second over
// the first, and fails "field is immutable" where their selectors differ. One chart is one
// manifest applied together; two charts of one app may be applied to different clusters (one
// per environment), so only a chart's own objects are compared.
import { ApiObject, Chart } from 'cdk8s';
import { IConstruct } from 'constructs';

/** Charts already compared in this synth (synth is synchronous: cleared once it returns). */
const comparedThisSynth = new WeakSet<Chart>();

/**
 * The problems of objects that share a name in the chart of `construct`; the first graceful
 * workload of a chart to validate speaks for the chart, once per synth.
 */
export function sameNameObjectProblems(construct: IConstruct): string[] {
  const chart = chartOf(construct);
  if (!chart || comparedThisSynth.has(chart)) return [];
  comparedThisSynth.add(chart);
  queueMicrotask(() => comparedThisSynth.delete(chart));
  const byKey = new Map<string, ApiObject[]>();
  for (const c of chart.node.findAll()) {
    if (!ApiObject.isApiObject(c)) continue;
    const key = `${c.apiGroup}\0${c.kind}\0${c.metadata.namespace ?? ''}\0${c.name}`;
    const same = byKey.get(key);
    if (same) same.push(c);
    else byKey.set(key, [c]);
  }
  return [...byKey.values()].filter(objects => objects.length > 1).map(sameNameProblem);
}

function sameNameProblem(objects: ApiObject[]): string {
  const [first] = objects;
  const where = first.metadata.namespace ? ` in namespace '${first.metadata.namespace}'` : '';
  return `${objects.length} objects of the chart are ${first.kind} '${first.name}'${where} (${objects.map(o => o.node.path).join(', ')}): `
    + 'the API server keeps one object per kind, namespace and name, so `kubectl apply` writes one over the other (or fails "field is immutable"). '
    + 'Fix: give each its own metadata.name, or leave the name out for cdk8s to make a unique one';
}

function chartOf(construct: IConstruct): Chart | undefined {
  try {
    return Chart.of(construct);
  } catch {
    return undefined; // not under a chart: nothing to compare
  }
}
