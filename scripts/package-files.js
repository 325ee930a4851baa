// The one allow-list of what an npm package of this project holds. `.projenrc.ts` writes it into
// package.json ("files"); the variants' staging (scripts/variants.js), the package test and the
// release rehearsal (scripts/check-release.js) read it from here. Three lists kept in step by hand
// missed the README's pictures twice; one list cannot.

/** package.json "files": what `npm pack` takes besides what npm always adds. */
const PACKAGE_FILES = [
  'lib/**/*.js',
  'lib/**/*.js.map', // source maps beside the files (.projenrc.ts: not inlined, so a require reads less)
  'lib/**/*.d.ts',
  'bin/',
  '.jsii',
  'API.md',
  'CHANGELOG.md',
  'docs/*.md', // the README links to them; shipped so the links work in node_modules and on npm
  'docs/images/*.png', // the README shows them
];

/** What npm adds to every package whatever "files" says. */
const NPM_ALWAYS = ['package.json', 'README.md', 'LICENSE'];

/** A "files" entry as a pattern over package paths: `**` any folders, `*` within one, a trailing `/` a whole folder. */
function patternOf(entry) {
  const escaped = entry.replace(/[.+?^${}()|[\]\\]/g, c => `\\${c}`);
  const body = escaped.endsWith('/')
    ? `${escaped}.+`
    : escaped.replace(/\*\*\//g, '\u0000').replace(/\*/g, '[^/]*').replace(/\u0000/g, '(?:[^/]+/)*');
  return new RegExp(`^${body}$`);
}

const PATTERNS = [...PACKAGE_FILES, ...NPM_ALWAYS].map(patternOf);

/**
 * Whether a path inside a package (as `npm pack` lists it) is one the allow-list lets in.
 * `bundled` names the bundled dependencies, whose files under node_modules/ are let in too.
 */
function isPackageFile(file, bundled = []) {
  if (bundled.some(name => file.startsWith(`node_modules/${name}/`))) return true;
  return PATTERNS.some(re => re.test(file));
}

module.exports = { PACKAGE_FILES, NPM_ALWAYS, isPackageFile, patternOf };
