#!/usr/bin/env node
// Synthesizes every example under examples/ with the real cdk8s CLI, as a user would:
// `cdk8s synth` in the example's folder, reading its cdk8s.yaml. Fails on the first error.
const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..', 'examples');
const cli = path.join(__dirname, '..', 'node_modules', '.bin', 'cdk8s');
const only = process.argv.slice(2);
let count = 0;
for (const name of fs.readdirSync(root).sort()) {
  const dir = path.join(root, name);
  if (!fs.existsSync(path.join(dir, 'cdk8s.yaml')) || (only.length > 0 && !only.includes(name))) {
    continue;
  }
  const started = Date.now();
  fs.rmSync(path.join(dir, 'dist'), { recursive: true, force: true });
  execFileSync(cli, ['synth', '--check-upgrade=false'], { cwd: dir, stdio: 'inherit' });
  const files = fs.readdirSync(path.join(dir, 'dist')).filter(f => f.endsWith('.k8s.yaml'));
  if (files.length === 0) {
    throw new Error(`example ${name}: cdk8s synth wrote no *.k8s.yaml to ${path.join(dir, 'dist')}`);
  }
  console.log(`example ${name}: ${files.map(f => `examples/${name}/dist/${f}`).join(', ')} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  count++;
}
if (count === 0) {
  throw new Error('no example found under examples/');
}
console.log(`synthesized ${count} example(s)`);
