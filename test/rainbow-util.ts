// Schema validation of every object for the rainbow tests, KEDA ScaledObjects included
// (validateKedaSchema in ./util).
import { Chart, Testing } from 'cdk8s';
import { validateKedaSchema, validateSchema } from './util';

export { validateKedaSchema };

/** Every object against its schema: Kubernetes kinds via kubernetes-models, ScaledObjects via @kubernetes-models/keda. */
export function validateAllSchemas(objects: any[]): void {
  validateSchema(objects.filter(o => o.kind !== 'ScaledObject'));
  validateKedaSchema(objects.filter(o => o.kind === 'ScaledObject'));
}

/** Synthesizes a chart and validates every object, the ScaledObjects included. */
export function synthRainbow(chart: Chart): any[] {
  const objects = Testing.synth(chart);
  validateAllSchemas(objects);
  return objects;
}
