#!/usr/bin/env node
// A minimal npm registry on 127.0.0.1, to test how users install the package without publishing it:
// `npm publish` stores a package in memory; `npm install` gets it from here, and every other
// package (cdk8s, constructs, …) is proxied to the real registry (tarball URLs stay the real ones).
//
//   node scripts/local-registry.js [--port 4873] [dist/js/graceful-k8s-0.1.0.tgz ...]
//   npm publish --registry http://127.0.0.1:4873/ dist/js/graceful-k8s-0.1.0.tgz   # any token is accepted
//   npm_config_registry=http://127.0.0.1:4873/ npx cdk8s synth
//
// Why not verdaccio: it would add a large dependency tree to every `npm ci` for one test, when
// the part of the registry protocol npm uses here is three routes (packument, tarball, publish).
// Loopback only; upstream requests time out after 30 s; nothing is written to disk.
const crypto = require('crypto');
const fs = require('fs');
const http = require('http');
const https = require('https');
const zlib = require('zlib');

const UPSTREAM = 'https://registry.npmjs.org';

/** name and version from a package tarball (its package/package.json). */
function readManifest(tgz) {
  const tar = zlib.gunzipSync(tgz);
  for (let off = 0; off + 512 <= tar.length;) {
    const name = tar.toString('utf8', off, off + 100).replace(/\0.*$/s, '');
    const prefix = tar.toString('utf8', off + 345, off + 500).replace(/\0.*$/s, '');
    const size = parseInt(tar.toString('utf8', off + 124, off + 136).replace(/\0.*$/s, '').trim() || '0', 8);
    const full = prefix ? `${prefix}/${name}` : name;
    if (full === 'package/package.json') {
      return JSON.parse(tar.toString('utf8', off + 512, off + 512 + size));
    }
    if (!name) break;
    off += 512 + Math.ceil(size / 512) * 512;
  }
  throw new Error('no package/package.json in the tarball');
}

function startRegistry(options = {}) {
  const upstream = options.upstream ?? UPSTREAM;
  const log = options.log ?? (() => undefined);
  const packages = new Map(); // name -> { manifests: { version: manifest }, tarballs: { file: Buffer }, tags }
  const requests = [];
  let base;

  function store(manifest, tgz) {
    const entry = packages.get(manifest.name) ?? { manifests: {}, tarballs: {}, tags: {} };
    const file = `${manifest.name.split('/').pop()}-${manifest.version}.tgz`;
    entry.tarballs[file] = tgz;
    entry.manifests[manifest.version] = {
      ...manifest,
      _id: `${manifest.name}@${manifest.version}`,
      dist: {
        tarball: `${base}${manifest.name}/-/${file}`,
        shasum: crypto.createHash('sha1').update(tgz).digest('hex'),
        integrity: `sha512-${crypto.createHash('sha512').update(tgz).digest('base64')}`,
      },
    };
    entry.tags.latest = manifest.version;
    packages.set(manifest.name, entry);
    log(`local registry: stored ${manifest.name}@${manifest.version}`);
  }

  function packument(name) {
    const p = packages.get(name);
    return { _id: name, name, 'dist-tags': p.tags, versions: p.manifests, time: {} };
  }

  function send(res, status, body) {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }

  function proxy(req, res) {
    const target = new URL(req.url, upstream.endsWith('/') ? upstream : `${upstream}/`);
    const up = https.get(target, { headers: { accept: req.headers.accept ?? 'application/json', 'user-agent': 'graceful-k8s-local-registry' }, timeout: 30_000 }, upstreamRes => {
      const headers = {};
      for (const h of ['content-type', 'content-encoding', 'etag', 'last-modified', 'cache-control']) {
        if (upstreamRes.headers[h]) headers[h] = upstreamRes.headers[h];
      }
      res.writeHead(upstreamRes.statusCode ?? 502, headers);
      upstreamRes.pipe(res);
    });
    up.on('timeout', () => up.destroy(new Error(`upstream timeout: ${target}`)));
    up.on('error', e => {
      if (!res.headersSent) send(res, 502, { error: e.message });
      else res.destroy();
    });
  }

  const server = http.createServer((req, res) => {
    const url = decodeURIComponent(req.url.split('?')[0]).replace(/^\/+/, '');
    requests.push(`${req.method} /${url}`);
    const tarball = url.match(/^(@[^/]+\/[^/]+|[^@/][^/]*)\/-\/([^/]+\.tgz)$/);
    if (req.method === 'GET' && tarball && packages.has(tarball[1])) {
      const data = packages.get(tarball[1]).tarballs[tarball[2]];
      if (!data) return send(res, 404, { error: 'not found' });
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': data.length });
      return res.end(data);
    }
    if (req.method === 'GET' && packages.has(url)) {
      return send(res, 200, packument(url));
    }
    if (req.method === 'PUT' && /^(@[^/]+\/[^/]+|[^@/][^/]*)$/.test(url)) {
      const chunks = [];
      req.on('data', c => chunks.push(c));
      req.on('end', () => {
        try {
          const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          const [version] = Object.keys(body.versions ?? {});
          const [attachment] = Object.values(body._attachments ?? {});
          if (!version || !attachment) throw new Error('a publish needs one version and its tarball');
          if (packages.get(url)?.manifests[version]) return send(res, 403, { error: `cannot publish over ${url}@${version}` });
          store(body.versions[version], Buffer.from(attachment.data, 'base64'));
          return send(res, 201, { ok: true });
        } catch (e) {
          return send(res, 400, { error: e.message });
        }
      });
      return undefined;
    }
    if (req.method === 'GET' && !url.startsWith('-/')) {
      return proxy(req, res);
    }
    return send(res, 404, { error: 'not found' });
  });

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      base = `http://127.0.0.1:${server.address().port}/`;
      resolve({
        url: base,
        requests,
        /** Stores a tarball as `npm publish` would. */
        add: file => { const tgz = fs.readFileSync(file); store(readManifest(tgz), tgz); },
        close: () => new Promise(done => { server.closeAllConnections?.(); server.close(() => done()); }),
      });
    });
  });
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const portAt = args.indexOf('--port');
  const port = portAt >= 0 ? Number(args.splice(portAt, 2)[1]) : 4873;
  startRegistry({ port, log: line => console.log(line) }).then(reg => {
    for (const file of args) reg.add(file);
    console.log(`local registry on ${reg.url} (other packages from ${UPSTREAM}); Ctrl-C stops it`);
  }, e => { console.error(e.message); process.exitCode = 2; });
}

module.exports = { startRegistry, readManifest };
