import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as fc from 'fast-check';
import { dump as dumpYaml } from 'js-yaml';
import { helmCopies } from './checker-inputs';
import { checkManifests, ruleInfos } from '../src/checks';
import { checkTexts } from '../src/checks/check-files';
import { formatCi, formatJson, formatSarif, formatText, writeCi, writeJsonReport, writeSarif, writeText } from '../src/cli/check-output';
import { main } from '../src/cli/graceful-check';
import { CHUNK_CHARS } from '../src/cli/text-chunks';
import { MANIFEST_SCHEMA, loadManifests } from '../src/manifest/load';
import { isPlainKeyAt, isPlainName, keyAt, lineOfPointer } from '../src/manifest/locate';

const FIXTURES = path.join(__dirname, 'fixtures', 'checker');

function run(args: string[], stdin = ''): { code: number; stdout: string; stderr: string } {
  let stdout = '';
  let stderr = '';
  const code = main(args, { stdout: t => { stdout += t; }, stderr: t => { stderr += t; }, readStdin: () => stdin, cwd: FIXTURES });
  return { code, stdout, stderr };
}

describe('graceful-check CLI', () => {
  test('text output groups findings by object, with file:line and the fix', () => {
    const { code, stdout } = run(['web-app.yaml']);
    expect(code).toBe(1);
    expect(stdout).toContain('web-app.yaml:3  Deployment shop/storefront\n');
    expect(stdout).toContain('web-app.yaml:26  error    GS005  [web] terminationGracePeriodSeconds (40s) is less than preStop (15s) + drain (30s) = 45s; SIGKILL cuts the drain 5s short');
    expect(stdout).toMatch(/fix: raise terminationGracePeriodSeconds to at least 50/);
    expect(stdout).toContain('findings by rule:\n');
    expect(stdout).toMatch(/  GS005  error    ×1     Grace period shorter than preStop \+ drain\n/);
    expect(stdout).toMatch(/3 objects \(1 workloads\) in 1 input\(s\): 2 error\(s\), 0 warning\(s\), 0 suppressed, 0 parse error\(s\)\n$/);
  });

  test('exit 0 when only warnings', () => {
    const { code } = run(['-'], 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: solo}\nspec:\n  replicas: 1\n  selector: {matchLabels: {app: solo}}\n'
      + '  template:\n    metadata: {labels: {app: solo}}\n    spec:\n      containers: [{name: c, image: x}]\n');
    expect(code).toBe(0);
  });

  test('reads stdin with -', () => {
    const { code, stdout } = run(['-', '-o', 'json'], fs.readFileSync(path.join(FIXTURES, 'worker.yaml'), 'utf8'));
    expect(code).toBe(1);
    expect(JSON.parse(stdout).findings[0].file).toBe('<stdin>');
  });

  test('reads a directory', () => {
    const { stdout } = run(['.', '-o', 'json']);
    const report = JSON.parse(stdout);
    expect(report.fileCount).toBe(4);
    expect(new Set(report.findings.map((f: any) => f.file))).toEqual(new Set(['helm-output.yaml', 'statefulset.yaml', 'web-app.yaml', 'worker.yaml']));
  });

  test('a parse error names file and line, the other documents and files are still checked, exit 2 wins', () => {
    const broken = 'apiVersion: v1\nkind: Service\nmetadata: {name: a}\n---\nkind: [unclosed\n---\n' + fs.readFileSync(path.join(FIXTURES, 'worker.yaml'), 'utf8');
    const { code, stdout } = run(['-', 'statefulset.yaml'], broken);
    expect(code).toBe(2);
    expect(stdout).toMatch(/parse error: <stdin>:6: /);
    expect(stdout).toContain('GS006');
    expect(stdout).toContain('GS004');
  });

  test('a missing file is a usage error (exit 2), the others are checked', () => {
    const { code, stderr, stdout } = run(['nope.yaml', 'web-app.yaml']);
    expect(code).toBe(2);
    expect(stderr).toContain('graceful-check: cannot read nope.yaml: no such file or directory');
    expect(stdout).toContain('GS005');
  });

  test('usage errors exit 2', () => {
    expect(run([]).code).toBe(2);
    expect(run(['-o', 'xml', 'web-app.yaml']).stderr).toContain("--output must be text, ci, json, sarif, svg or html (got 'xml')");
    expect(run(['--bogus']).code).toBe(2);
    expect(run(['--explain', 'GS999']).stderr).toContain("unknown rule 'GS999'; known rules are GS000, GS001");
  });

  test('--explain prints the rationale', () => {
    const { code, stdout } = run(['--explain', 'gs015']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^GS015 \(error, prestop, at deletion\): tcpSocket preStop hook\n\nwhy: Kubernetes does not support tcpSocket.*\n\nfix: /);
  });

  test('--list-rules', () => {
    expect(run(['--list-rules']).stdout.trim().split('\n')).toHaveLength(ruleInfos().length);
  });

  test('--timeline prints the shutdown timeline with the rule each gap breaks', () => {
    const { stdout } = run(['web-app.yaml', '--timeline']);
    expect(stdout).toContain([
      "shutdown of Deployment 'shop/storefront' container 'web':",
      '  t=   0s  pod deleted: endpoint removal starts (proxies stop routing seconds later); preStop exec ["sleep","15"] starts (15s)',
      "  t=   1s  kube-proxy (ClusterIP) (Service 'shop/storefront') stops sending new requests (assumed)",
      '  t=  15s  SIGTERM: the app stops accepting and drains (30s declared)',
      '  t=  40s  SIGKILL (terminationGracePeriodSeconds 40): 5s before the drain ends',
      '           ✗ GS005: terminationGracePeriodSeconds (40s) is less than preStop (15s) + drain (30s) = 45s; SIGKILL cuts the drain 5s short',
      '  t=  45s  drain done',
    ].join('\n'));
  });

  test('SARIF 2.1.0 with rules, levels and line regions', () => {
    const { stdout } = run(['worker.yaml', '-o', 'sarif']);
    const sarif = JSON.parse(stdout);
    expect(sarif.version).toBe('2.1.0');
    const runObj = sarif.runs[0];
    expect(runObj.tool.driver.rules.map((r: any) => r.id)).toHaveLength(ruleInfos().length);
    expect(runObj.results.map((r: any) => [r.ruleId, r.level, r.locations[0].physicalLocation.region.startLine])).toEqual([
      ['GS006', 'error', 21], ['GS012', 'error', 30], ['GS018', 'warning', 29],
    ]);
    for (const r of runObj.results) {
      expect(runObj.tool.driver.rules[r.ruleIndex].id).toBe(r.ruleId);
      expect(r.locations[0].physicalLocation.artifactLocation.uri).toBe('worker.yaml');
    }
  });

  test('suppression annotations are honoured and listed', () => {
    const text = fs.readFileSync(path.join(FIXTURES, 'worker.yaml'), 'utf8').replace('  namespace: jobs\nspec:\n  replicas: 1',
      '  namespace: jobs\n  annotations:\n    graceful-k8s.io/suppress: \'{"GS006":"the migration script forwards TERM itself"}\'\nspec:\n  replicas: 1');
    const { stdout } = run(['-'], text);
    expect(stdout).not.toContain('  GS006  ');
    expect(stdout).toContain('suppressed: GS006 on Deployment jobs/mailer: the migration script forwards TERM itself');
  });
});

describe('reports are written in chunks', () => {
  // A report with findings on many objects: more lines than a chunk holds at the smaller sizes.
  const text = fs.readFileSync(path.join(__dirname, 'fixtures', 'checker', 'helm-output.yaml'), 'utf8');
  const report = checkTexts([{ file: 'a.yaml', text }, { file: 'b.yaml', text }], { timelines: true, routes: true });
  const options = { timeline: true, routes: true, unreadable: ['gone.yaml'], version: '0.0.0' };

  test.each([
    ['text', writeText, formatText],
    ['ci', writeCi, formatCi],
  ] as const)('%s: whole lines, each chunk ending in a newline and written once it is full, the same text at every chunk size', (_name, write, format) => {
    const whole = format(report, ruleInfos(), options);
    expect(whole.length).toBeGreaterThan(3_000);
    for (const chunkChars of [1, 100, 1_000, CHUNK_CHARS]) {
      const chunks: string[] = [];
      write(report, ruleInfos(), options, t => chunks.push(t), chunkChars);
      expect(chunks.join('')).toBe(whole);
      expect(chunks.every(c => c.endsWith('\n'))).toBe(true);
      // Every chunk but the last is full, and was written as soon as it was: without its last line, it was not.
      expect(chunks.slice(0, -1).every(c => c.length >= chunkChars)).toBe(true);
      const withoutLastLine = (c: string) => c.slice(0, c.slice(0, -1).lastIndexOf('\n') + 1);
      expect(chunks.every(c => withoutLastLine(c).length < chunkChars)).toBe(true);
    }
  });

  test.each([
    ['json', writeJsonReport, formatJson],
    ['sarif', writeSarif, formatSarif],
  ] as const)('%s: the same document at every chunk size, its findings in chunks of their own', (_name, write, format) => {
    const whole = format(report, ruleInfos(), options);
    // The document a single JSON.stringify makes of the same data.
    expect(whole).toBe(JSON.stringify(JSON.parse(whole), null, 2) + '\n');
    for (const chunkChars of [1, 100, 1_000, CHUNK_CHARS]) {
      const chunks: string[] = [];
      write(report, ruleInfos(), options, t => chunks.push(t), chunkChars);
      expect(chunks.join('')).toBe(whole);
      expect(chunks.every(c => c.length > 0)).toBe(true);
      if (chunkChars === 1) expect(chunks.length).toBeGreaterThan(report.findings.length);
    }
  });

  test('the CLI writes a large report in several chunks, and no chunk is empty', () => {
    // Enough objects for more findings than a chunk's lines.
    const copies = helmCopies(300);
    const writes: string[] = [];
    const code = main(['-'], { stdout: t => writes.push(t), stderr: () => undefined, readStdin: () => copies, cwd: FIXTURES });
    expect(code).toBe(1);
    expect(writes.length).toBeGreaterThan(1);
    expect(writes.every(w => w.length > 0 && w.endsWith('\n'))).toBe(true);
    expect(writes.join('')).toMatch(/^3300 objects \(900 workloads; not checked: ConfigMap ×300, Secret ×300, ServiceAccount ×300\) in 1 input\(s\)/m);
  });
});

describe('CLI conventions', () => {
  const helmOutput = fs.readFileSync(path.join(__dirname, 'fixtures', 'corpus', 'suppressions-helm-output.yaml'), 'utf8');
  const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'graceful-check-cli-'));

  test('-o ci: one line per finding with file, line, severity, rule and object, then the counts', () => {
    const { code, stdout } = run(['worker.yaml', '-o', 'ci']);
    expect(code).toBe(1);
    expect(stdout.split('\n')).toEqual([
      expect.stringMatching(/^worker\.yaml:21: error GS006 Deployment jobs\/mailer \[worker\]: runs "\.\/migrate && \.\/mailer --queue outbound" through \/bin\/sh in image/),
      expect.stringMatching(/^worker\.yaml:30: error GS012 PodDisruptionBudget jobs\/mailer: \(minAvailable 1\) allows 0 evictions/),
      expect.stringMatching(/^worker\.yaml:29: warning GS018 PodDisruptionBudget jobs\/mailer: keeps the default unhealthyPodEvictionPolicy/),
      '2 error(s), 1 warning(s), 0 suppressed',
      '',
    ]);
  });

  test('SARIF: driver.version, and suppressed results kept with their suppression (SARIF 2.1.0 §3.27.23)', () => {
    const sarif = JSON.parse(run(['-', '-o', 'sarif'], helmOutput).stdout);
    const runObj = sarif.runs[0];
    expect(runObj.tool.driver.version).toMatch(/^\d+\.\d+\.\d+/);
    const suppressed = runObj.results.filter((r: any) => r.suppressions);
    expect(suppressed.map((r: any) => [r.ruleId, r.suppressions])).toEqual([
      ['GS009', [{ kind: 'inSource', status: 'accepted', justification: 'single replica by design in the demo environment' }]],
    ]);
    // A stale suppression is a note, not a failure of the run.
    expect(runObj.invocations[0].toolExecutionNotifications).toContainEqual(expect.objectContaining({
      level: 'note', message: { text: expect.stringMatching(/^note: suppression of GS002 on Deployment 'web-demo-mychart' matched no finding/) },
    }));
  });

  test('a configured suppression is external in SARIF; Kind/default/name matches an object without a namespace; an unmatched key is a note', () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, 'app.yaml'), helmOutput.replace(/,"GS099":"typo of GS009"/, '').replace(/\n    graceful-k8s\.io\/suppress: '\{"GS009":[^\n]*/, ''));
    fs.writeFileSync(path.join(dir, '.graceful-check.yaml'), 'suppress:\n  Deployment/default/web-demo-mychart: { GS009: "single replica in the demo environment" }\n  Deployment/prod/web: { GS009: "an object that is not in the input" }\n');
    const r = (args: string[]) => {
      let out = '';
      main(args, { stdout: s => { out += s; }, stderr: () => undefined, readStdin: () => '', cwd: dir });
      return out;
    };
    const sarif = JSON.parse(r(['app.yaml', '-o', 'sarif']));
    expect(sarif.runs[0].results.filter((x: any) => x.suppressions).map((x: any) => [x.ruleId, x.suppressions[0].kind])).toEqual([['GS009', 'external']]);
    expect(r(['app.yaml'])).toContain("note: configured suppression 'Deployment/prod/web' matches no object of the input");
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('severity overrides in .graceful-check.yaml; a bad one is a usage error naming the file and the key', () => {
    const dir = tmp();
    fs.copyFileSync(path.join(FIXTURES, 'worker.yaml'), path.join(dir, 'worker.yaml'));
    const r = (config: string) => {
      fs.writeFileSync(path.join(dir, '.graceful-check.yaml'), config);
      let out = '';
      let err = '';
      const code = main(['worker.yaml', '-o', 'json'], { stdout: s => { out += s; }, stderr: s => { err += s; }, readStdin: () => '', cwd: dir });
      return { code, out, err };
    };
    const raised = JSON.parse(r('severity: { GS018: error, gs006: warning }\n').out).findings.map((f: any) => `${f.ruleId} ${f.severity}`);
    expect(raised).toEqual(['GS006 warning', 'GS012 error', 'GS018 error']);
    expect(r('severity: { GS018: critical }\n')).toMatchObject({ code: 2, err: expect.stringContaining("'severity.GS018' must be error or warning (got \"critical\")") });
    expect(r('severity: { GS404: error }\n')).toMatchObject({ code: 2, err: expect.stringContaining("'severity' names unknown rule 'GS404'") });
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('a directory walk skips the cdk8s plugin\'s construct-metadata.json with a note', () => {
    const dir = tmp();
    fs.mkdirSync(path.join(dir, 'dist'));
    fs.copyFileSync(path.join(FIXTURES, 'worker.yaml'), path.join(dir, 'dist', 'app.k8s.yaml'));
    fs.writeFileSync(path.join(dir, 'dist', 'construct-metadata.json'), JSON.stringify({ version: '1.0.0', resources: { 'app/web/Resource': { path: 'app/web' } } }));
    let err = '';
    let out = '';
    main([dir, '-o', 'json'], { stdout: s => { out += s; }, stderr: s => { err += s; }, readStdin: () => '', cwd: dir });
    expect(err).toContain('skipped ' + path.join(dir, 'dist', 'construct-metadata.json') + ": the cdk8s plugin's construct metadata, not a manifest");
    expect(JSON.parse(out).problems).toEqual([]);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('located findings', () => {
  test('carry every field of the engine\'s findings, plus file and lines', () => {
    const text = fs.readFileSync(path.join(FIXTURES, 'worker.yaml'), 'utf8');
    const located = checkTexts([{ file: 'worker.yaml', text }]).findings;
    const plain = checkManifests(loadManifests(text, 'worker.yaml').objects.map(o => o.object)).findings;
    expect(located.length).toBeGreaterThan(0);
    expect(located.map(({ file, line, objectLine, ...rest }) => rest)).toEqual(plain);
    for (const f of located) expect(Object.keys(f)).toEqual(expect.arrayContaining(Object.keys(plain[0])));
  });
});

describe('manifest loader', () => {
  test('JSON and kind: List', () => {
    const { objects } = loadManifests(JSON.stringify({ kind: 'List', items: [{ kind: 'Service', metadata: { name: 'a' } }, { kind: 'ConfigMap' }] }), 'x.json');
    expect(objects.map(o => [o.object.kind, o.listPointer])).toEqual([['Service', '/items/0'], ['ConfigMap', '/items/1']]);
  });

  test('locates fields in block YAML, including list items at the parent indentation', () => {
    const text = 'kind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n      - name: a\n        image: x\n      - name: b\n        ports:\n        - containerPort: 80\n';
    const [doc] = loadManifests(text, 'd.yaml').objects;
    expect(lineOfPointer(doc, '/spec/template/spec/containers/1/ports/0')).toBe(10);
    expect(lineOfPointer(doc, '/spec/template/spec/containers/0/image')).toBe(7);
    expect(lineOfPointer(doc, '/spec/template/spec/containers/1/name')).toBe(8);
    // Missing field: its nearest ancestor.
    expect(lineOfPointer(doc, '/spec/template/spec/containers/1/lifecycle')).toBe(8);
  });
  test('locates through comments, quoted keys, escaped pointer segments, nested dashes and List items', () => {
    const text = [
      'kind: List', // 1
      'items:', // 2
      '- kind: ConfigMap', // 3
      '  metadata:', // 4
      '    # a comment at the keys\' column', // 5
      '    annotations:', // 6
      '      "example.com/a~b": x', // 7
      '      \'quoted\': y', // 8
      '  data:', // 9
      '    matrix:', // 10
      '    - - 1', // 11
      '      - 2', // 12
      '    - - 3', // 13
    ].join('\n');
    const [doc] = loadManifests(text, 'l.yaml').objects;
    expect(doc.listPointer).toBe('/items/0');
    expect(lineOfPointer(doc, '')).toBe(3);
    expect(lineOfPointer(doc, '/metadata/annotations/example.com~1a~0b')).toBe(7);
    expect(lineOfPointer(doc, '/metadata/annotations/quoted')).toBe(8);
    expect(lineOfPointer(doc, '/data/matrix/1')).toBe(13);
    // A list nested on its parent's dash line is not followed: the nearest ancestor's line.
    expect(lineOfPointer(doc, '/data/matrix/0/1')).toBe(11);
  });

  test('property: every key of a block-style document is found on its own line', () => {
    const key = fc.stringMatching(/^[a-z][a-zA-Z0-9./-]{0,8}$/);
    const value = fc.letrec(tie => ({
      node: fc.oneof({ depthSize: 'small', withCrossShrink: true }, fc.integer(), fc.string({ maxLength: 6 }), tie('map'), tie('list')),
      map: fc.dictionary(key, tie('node'), { minKeys: 1, maxKeys: 4 }),
      list: fc.array(tie('map'), { minLength: 1, maxLength: 3 }),
    }));
    // Pointers to every key of every mapping, with the key they end in.
    const keyPointers = (node: unknown, at: string): Array<[string, string]> => {
      if (Array.isArray(node)) return node.flatMap((v, i) => keyPointers(v, `${at}/${i}`));
      if (node === null || typeof node !== 'object') return [];
      return Object.entries(node).flatMap(([k, v]) => {
        const pointer = `${at}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`;
        return [[pointer, k] as [string, string], ...keyPointers(v, pointer)];
      });
    };
    fc.assert(fc.property(value.map, fc.boolean(), fc.constantFrom(2, 4), fc.boolean(), (object, noArrayIndent, indent, crlf) => {
      // Dumped with the schema manifests are read with, so that a string YAML 1.1 would read as
      // something else (`n`, `on`, `0x1`) is quoted, as a YAML 1.1 writer quotes it.
      const lf = dumpYaml(object, { noArrayIndent, indent, lineWidth: -1, schema: MANIFEST_SCHEMA });
      const text = crlf ? lf.replace(/\n/g, '\r\n') : lf;
      const [doc] = loadManifests(text, 'p.yaml').objects;
      expect(doc.object).toEqual(object);
      const lines = lf.split('\n');
      for (const [pointer, k] of keyPointers(object, '')) {
        const line = lines[lineOfPointer(doc, pointer) - 1];
        expect({ pointer, line: line.replace(/^[\s-]*/, '').split(':')[0].replace(/^['"]|['"]$/g, '') }).toEqual({ pointer, line: k });
      }
    }), { numRuns: 200 });
  });

  test('property: a plain key is matched in place exactly as the key pattern reads it', () => {
    // Characters that end, quote, comment or space a key, and a few that are plain.
    const char = fc.constantFrom('a', 'b', '.', '/', '-', ' ', '\t', '\r', '\n', ':', '#', '"', "'", '\u00a0', '\u2028');
    const text = (maxLength: number) => fc.array(char, { maxLength }).map(cs => cs.join(''));
    const name = text(6).filter(isPlainName);
    fc.assert(fc.property(text(3), name, text(8), fc.boolean(), text(8), (before, key, after, nameFirst, other) => {
      // The line starts with the name most of the time, as a key line being looked for does.
      const line = nameFirst ? `${key}${after}` : other;
      const first = line.charCodeAt(0);
      fc.pre(first !== 34 && first !== 39); // a quoted key takes the pattern, not the comparison
      const doc = `${before}\n${line}`;
      const at = before.length + 1;
      expect(isPlainKeyAt(doc, at, key)).toBe(keyAt(doc, at) === key);
    }), { numRuns: 3000 });
  });

  test('reads an unquoted date as the string Kubernetes sees, and honours merge keys', () => {
    const text = 'kind: ConfigMap\nmetadata:\n  name: dated\n  annotations:\n    released: 2024-05-01\n'
      + 'base: &base {a: 1}\ndata:\n  <<: *base\n  b: "2"\n';
    const [doc] = loadManifests(text, 'c.yaml').objects;
    expect(doc.object.metadata.annotations.released).toBe('2024-05-01');
    expect(doc.object.data).toEqual({ a: 1, b: '2' });
  });
});
