#!/usr/bin/env node
// Rewrites the README's rules table from the rule registry (compiled lib/).
const fs = require('fs');
const path = require('path');
const { readmeWithRulesTable } = require('../lib/checks/rule-docs');

const file = path.join(__dirname, '..', 'README.md');
const before = fs.readFileSync(file, 'utf8');
const after = readmeWithRulesTable(before);
if (after !== before) {
  fs.writeFileSync(file, after);
  console.log('README.md: rules table updated');
}
