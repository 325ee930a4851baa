// Inputs for the checker's tests that need many objects.
import * as fs from 'fs';
import * as path from 'path';

/**
 * The Helm-like fixture (11 objects, 3 workloads with findings) repeated under new names, as one
 * multi-document text, as bench/check-bench.js builds its Helm input.
 */
export function helmCopies(copies: number): string {
  const text = fs.readFileSync(path.join(__dirname, 'fixtures', 'checker', 'helm-output.yaml'), 'utf8');
  return Array.from({ length: copies }, (_, i) => text.replace(/release-acme/g, `r${i}-acme`).replace(/release$/gm, `r${i}`)).join('---\n');
}
