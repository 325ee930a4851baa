#!/usr/bin/env node
// Rewrites the generated tables of the docs (docs/rules.md: the rules; docs/constructs.md: the
// traffic paths) from the code (compiled lib/: run `npx projen compile` first).
const fs = require('fs');
const path = require('path');
const { GENERATED_DOCS, docWithGeneratedTables } = require('../lib/checks/generated-docs');

for (const rel of Object.keys(GENERATED_DOCS)) {
  const file = path.join(__dirname, '..', rel);
  const before = fs.readFileSync(file, 'utf8');
  const after = docWithGeneratedTables(rel, before);
  if (after !== before) {
    fs.writeFileSync(file, after);
    console.log(`${rel}: generated tables updated`);
  }
}
