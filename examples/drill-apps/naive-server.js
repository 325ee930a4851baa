#!/usr/bin/env node
// The same HTTP app without shutdown handling: SIGTERM's default action kills it at once,
// dropping in-flight requests and kept-alive connections.
const http = require('http');

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
