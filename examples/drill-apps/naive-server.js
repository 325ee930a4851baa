#!/usr/bin/env node
// The same HTTP app without shutdown handling: it exits at once on SIGTERM, dropping in-flight
// requests and kept-alive connections, as a framework's default handler does. (The handler is
// needed: as PID 1 of its container a Node process without one ignores SIGTERM, and the kubelet's
// SIGKILL ends it at the end of the grace period.)
const http = require('http');

process.on('SIGTERM', () => process.exit(0));

const port = Number(process.env.PORT);
const workMs = Number(process.env.WORK_MS ?? 5);
http.createServer((req, res) => {
  if (req.url === '/ready' || req.url === '/healthz') {
    res.writeHead(200).end();
    return;
  }
  setTimeout(() => {
    res.setHeader('x-pod', process.env.POD_NAME ?? '');
    res.end('ok\n');
  }, workMs);
}).listen(port, '127.0.0.1');
