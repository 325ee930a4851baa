// Every object any test synthesizes with cdk8s's Testing.synth is checked against the Kubernetes
// OpenAPI schema (kubernetes-models, plus the KEDA and GKE models for the custom resources the
// constructs write): a construct that writes what the API server rejects fails every test that
// renders it, not only the ones that remember to ask.
import { Chart, Testing } from 'cdk8s';
import { schemaModelOf } from './util';

const synth = Testing.synth.bind(Testing);

Testing.synth = (chart: Chart): any[] => {
  const objects = synth(chart);
  for (const obj of objects) {
    const Model = schemaModelOf(obj.apiVersion, obj.kind);
    // A kind no package models (a CRD the test made up) is the checker's business, not the schema's.
    if (!Model) continue;
    try {
      new Model(obj).validate();
    } catch (e) {
      throw new Error(`${obj.kind} '${obj.metadata?.name}' (synthesized by a test) is not valid Kubernetes: ${(e as Error).message}`);
    }
  }
  return objects;
};
