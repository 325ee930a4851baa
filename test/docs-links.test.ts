// Every relative link and image of README.md and docs/*.md leads somewhere: the file exists, and
// a #anchor names a heading of the target as GitHub slugs it. The README stays short (issue 22:
// at most 20 KiB; the detail lives in docs/).
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const ROOT = path.join(__dirname, '..');
const README_LIMIT_BYTES = 20 * 1024;

/** Markdown without fenced code blocks and inline code spans, whose text is not markup. */
function withoutCode(markdown: string): string {
  return markdown
    .replace(/^ {0,3}(`{3,}|~{3,})[^\n]*\n[\s\S]*?(?:^ {0,3}\1[^\n]*$|(?![\s\S]))/gm, '')
    .replace(/(`+)[^`][\s\S]*?\1/g, '');
}

/** The anchor GitHub gives a heading: rendered text, lower case, punctuation dropped, spaces as '-'. */
export function githubSlug(heading: string): string {
  const text = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1') // links and images: their text
    .replace(/<[^>]+>/g, '') // inline HTML
    .replace(/[*`]/g, ''); // emphasis and code marks
  return text.trim().toLowerCase().replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '').replace(/ /g, '-');
}

/** The anchors of a document's headings, duplicates numbered as GitHub numbers them (-1, -2, …). */
export function anchorsOf(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  const text = markdown.replace(/^ {0,3}(`{3,}|~{3,})[^\n]*\n[\s\S]*?(?:^ {0,3}\1[^\n]*$|(?![\s\S]))/gm, '');
  for (const [, heading] of text.matchAll(/^ {0,3}#{1,6}[ \t]+(.+?)[ \t#]*$/gm)) {
    const slug = githubSlug(heading);
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    anchors.add(n === 0 ? slug : `${slug}-${n}`);
  }
  for (const [, id] of text.matchAll(/<a\s+(?:name|id)="([^"]+)"/g)) anchors.add(id);
  return anchors;
}

/** The link and image targets of a document, outside code: [text](target), ![alt](src), <img src>, <a href>, [ref]: target. */
export function linkTargets(markdown: string): string[] {
  const text = withoutCode(markdown);
  const targets: string[] = [];
  for (const m of text.matchAll(/!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*(<[^>]*>|[^)\s]+)(?:\s+(?:"[^"]*"|'[^']*'|\([^)]*\)))?\s*\)/g)) {
    targets.push(m[1].replace(/^<|>$/g, ''));
  }
  for (const m of text.matchAll(/<(?:img|a|source)\s[^>]*?(?:src|href|srcset)="([^"]+)"/gi)) targets.push(m[1]);
  for (const m of text.matchAll(/^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/gm)) targets.push(m[1]);
  return targets;
}

/** What does not resolve among a document's relative links, as '<doc>: <target> (<why>)'. */
export function brokenLinks(root: string, doc: string): string[] {
  const source = fs.readFileSync(path.join(root, doc), 'utf8');
  const problems: string[] = [];
  for (const target of linkTargets(source)) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('//')) continue; // https:, mailto:, …
    const hash = target.indexOf('#');
    const file = decodeURIComponent(hash < 0 ? target : target.slice(0, hash));
    const anchor = hash < 0 ? undefined : decodeURIComponent(target.slice(hash + 1));
    const resolved = file === '' ? path.join(root, doc) : path.join(root, path.dirname(doc), file);
    if (!path.relative(root, resolved) || path.relative(root, resolved).startsWith('..')) {
      problems.push(`${doc}: ${target} (outside the repository)`);
      continue;
    }
    if (!fs.existsSync(resolved)) {
      problems.push(`${doc}: ${target} (no such file: ${path.relative(root, resolved)})`);
      continue;
    }
    if (anchor !== undefined && /\.md$/i.test(resolved)) {
      if (!anchorsOf(fs.readFileSync(resolved, 'utf8')).has(anchor.toLowerCase())) {
        problems.push(`${doc}: ${target} (no heading '#${anchor}' in ${path.relative(root, resolved)})`);
      }
    }
  }
  return problems;
}

const DOCS = ['README.md', ...fs.readdirSync(path.join(ROOT, 'docs')).filter(f => f.endsWith('.md')).sort().map(f => `docs/${f}`)];

describe('documentation links', () => {
  test.each(DOCS)('every relative link and image of %s resolves, every #anchor to a heading', doc => {
    expect(brokenLinks(ROOT, doc)).toEqual([]);
  });

  test(`README.md is at most ${README_LIMIT_BYTES} bytes (the detail lives in docs/)`, () => {
    const bytes = fs.statSync(path.join(ROOT, 'README.md')).size;
    expect({ file: 'README.md', bytes, fits: bytes <= README_LIMIT_BYTES }).toEqual({ file: 'README.md', bytes, fits: true });
  });

  test('the README links to the docs that hold what it left out', () => {
    const targets = linkTargets(fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8'));
    for (const doc of ['docs/constructs.md', 'docs/checker.md', 'docs/rules.md', 'docs/drill.md', 'docs/rainbow.md', 'docs/benchmarks.md']) {
      expect(targets).toContain(doc);
    }
  });
});

describe('the link checker', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'graceful-k8s-docs-links-'));
    fs.mkdirSync(path.join(dir, 'docs'));
    fs.mkdirSync(path.join(dir, 'img'));
    fs.writeFileSync(path.join(dir, 'img', 'shutdown.svg'), '<svg/>');
    fs.writeFileSync(path.join(dir, 'docs', 'guide.md'), [
      '# The guide',
      '## `GracefulDeployment` (extends `kplus.Deployment`)',
      '## Scenarios (`--scenario`)',
      '## Agreement with Kubernetes 1.34',
      '## Notes',
      '## Notes',
      '```sh',
      '# not a heading',
      '```',
    ].join('\n'));
    fs.writeFileSync(path.join(dir, 'README.md'), [
      '# Title',
      '## Install',
      'Good: [guide](docs/guide.md), [deployment](docs/guide.md#gracefuldeployment-extends-kplusdeployment),',
      '[scenarios](docs/guide.md#scenarios---scenario), [1.34](docs/guide.md#agreement-with-kubernetes-134),',
      '[second notes](docs/guide.md#notes-1), [here](#install), ![picture](img/shutdown.svg "the shutdown"),',
      '<img src="img/shutdown.svg" alt="x">, [web](https://kubernetes.io/docs/), [mail](mailto:a@b.c).',
      'Bad: [missing](docs/missing.md), [anchor](docs/guide.md#no-such-heading), ![gone](img/gone.png),',
      '[self](#nowhere), <img src="img/gone.svg">, [third notes](docs/guide.md#notes-2), [up](../outside.md),',
      '[in code](#not-a-heading) is a link; `[code](docs/ignored.md)` is not:',
      '```md',
      '[fenced](docs/ignored-too.md)',
      '```',
      '[ref]: docs/nothing.md',
    ].join('\n'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('slugs as GitHub makes them', () => {
    expect(githubSlug('`GracefulDeployment` (extends `kplus.Deployment`)')).toBe('gracefuldeployment-extends-kplusdeployment');
    expect(githubSlug('Scenarios (`--scenario`)')).toBe('scenarios---scenario');
    expect(githubSlug('kube-proxy (ClusterIP) — `TrafficPath.kubeProxy()`: lag 1 s')).toBe('kube-proxy-clusterip--trafficpathkubeproxy-lag-1-s');
    expect(githubSlug('The proof: `npm run bench:drill`')).toBe('the-proof-npm-run-benchdrill');
    expect(githubSlug('[API](API.md) and **bold**')).toBe('api-and-bold');
    expect([...anchorsOf('# A\n## B\n## B\n```\n# C\n```\n')]).toEqual(['a', 'b', 'b-1']);
  });

  test('finds every link and image outside code, and only those', () => {
    const targets = linkTargets(fs.readFileSync(path.join(dir, 'README.md'), 'utf8'));
    expect(targets).toEqual(expect.arrayContaining(['docs/guide.md', 'img/shutdown.svg', 'img/gone.svg', 'docs/nothing.md', '#not-a-heading']));
    expect(targets).not.toContain('docs/ignored.md');
    expect(targets).not.toContain('docs/ignored-too.md');
  });

  test('reports each broken link, image and anchor, and nothing that resolves', () => {
    expect(brokenLinks(dir, 'README.md')).toEqual([
      'README.md: docs/missing.md (no such file: docs/missing.md)',
      'README.md: docs/guide.md#no-such-heading (no heading \'#no-such-heading\' in docs/guide.md)',
      'README.md: img/gone.png (no such file: img/gone.png)',
      'README.md: #nowhere (no heading \'#nowhere\' in README.md)',
      'README.md: docs/guide.md#notes-2 (no heading \'#notes-2\' in docs/guide.md)',
      'README.md: ../outside.md (outside the repository)',
      'README.md: #not-a-heading (no heading \'#not-a-heading\' in README.md)',
      'README.md: img/gone.svg (no such file: img/gone.svg)',
      'README.md: docs/nothing.md (no such file: docs/nothing.md)',
    ]);
    expect(brokenLinks(dir, 'docs/guide.md')).toEqual([]);
  });
});
