// Schema validation of KEDA ScaledObjects for the rainbow tests. @kubernetes-models/keda is an
// ES module only (its package exports have no `require` condition), which jest's CommonJS
// runtime cannot load; a child Node process imports it and validates the objects.
import { execFileSync } from 'child_process';
import * as path from 'path';
import { Chart, Testing } from 'cdk8s';
import { validateSchema } from './util';

const ROOT = path.join(__dirname, '..');

const VALIDATE_SCRIPT = `
import { ScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject';
let input = '';
for await (const chunk of process.stdin) input += chunk;
const errors = [];
for (const o of JSON.parse(input)) {
  try { new ScaledObject(o).validate(); } catch (e) { errors.push(\`ScaledObject \${o?.metadata?.name}: \${e.message}\`); }
}
process.stdout.write(JSON.stringify(errors));
`;

/** Validates ScaledObjects against KEDA's published schema (@kubernetes-models/keda); throws naming each invalid one. */
export function validateKedaSchema(scaledObjects: any[]): void {
  if (scaledObjects.length === 0) {
    return;
  }
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', VALIDATE_SCRIPT], { cwd: ROOT, input: JSON.stringify(scaledObjects) });
  const errors: string[] = JSON.parse(out.toString());
  if (errors.length > 0) {
    throw new Error(`not valid against KEDA's schema:\n  ${errors.join('\n  ')}`);
  }
}

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
