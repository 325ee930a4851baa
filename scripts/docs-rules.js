#!/usr/bin/env node
// Rewrites the README's generated tables (rules, traffic paths) from the code (compiled lib/).
const fs = require('fs');
const path = require('path');
const { readmeWithGeneratedTables } = require('../lib/checks/generated-docs');

const file = path.join(__dirname, '..', 'README.md');
const before = fs.readFileSync(file, 'utf8');
const after = readmeWithGeneratedTables(before);
if (after !== before) {
  fs.writeFileSync(file, after);
  console.log('README.md: generated tables updated');
}
