#!/usr/bin/env node
// Prints the README's newcomer commands, so that CI (.ci/run) runs exactly what the README tells a
// newcomer to run, and a README edit cannot drift from what CI proves.
//   node scripts/newcomer-commands.js      -> both commands, one per line
//   node scripts/newcomer-commands.js 1    -> the first (install and synthesize the examples)
// The commands are the lines of the first ```sh block under the heading "For a newcomer",
// without their trailing `# comment`. test/readme.test.ts holds the block to exactly two.
const fs = require('fs');
const path = require('path');

function newcomerCommands(readme) {
  const heading = readme.search(/^## For a newcomer\b.*$/m);
  if (heading < 0) {
    throw new Error('README.md has no "## For a newcomer" section: CI runs the commands it lists');
  }
  const block = readme.slice(heading).match(/```sh\n([\s\S]*?)```/);
  if (!block) {
    throw new Error('README.md\'s "For a newcomer" section has no ```sh block with the commands');
  }
  return block[1].split('\n').map(line => line.replace(/\s+#.*$/, '').trim()).filter(line => line !== '');
}

module.exports = { newcomerCommands };

if (require.main === module) {
  const commands = newcomerCommands(fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8'));
  const which = process.argv[2];
  if (which === undefined) {
    console.log(commands.join('\n'));
  } else if (/^[12]$/.test(which) && commands.length === 2) {
    console.log(commands[Number(which) - 1]);
  } else {
    console.error(`usage: newcomer-commands.js [1|2]; the README lists ${commands.length} command(s): ${JSON.stringify(commands)}`);
    process.exit(2);
  }
}
