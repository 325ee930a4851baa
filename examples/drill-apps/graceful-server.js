#!/usr/bin/env node
// An HTTP app that shuts down correctly: on SIGTERM it stops accepting, answers every request
// still arriving on kept-alive connections with `Connection: close` (so clients reconnect to
// other pods), closes the connections that stay idle, finishes in-flight requests, then exits.
//
// Env: PORT (required), POD_NAME, STARTUP_DELAY_MS (time before it listens), WORK_MS
// (time per request), CLOSE_DELAY_MS (time between SIGTERM and closing the listener and idle
// connections, default 1000), DRAIN_TIMEOUT_MS (hard deadline after SIGTERM).
const http = require('http');

const port = Number(process.env.PORT);
const workMs = Number(process.env.WORK_MS ?? 5);
const drainTimeoutMs = Number(process.env.DRAIN_TIMEOUT_MS ?? 10000);
const closeDelayMs = Number(process.env.CLOSE_DELAY_MS ?? 1000);
let shuttingDown = false;

const server = http.createServer((req, res) => {
  if (req.url === '/ready') {
    // Fail readiness once shutting down: the endpoint's serving condition follows.
    res.writeHead(shuttingDown ? 503 : 200).end();
    return;
  }
  if (req.url === '/healthz') {
    res.writeHead(200).end();
    return;
  }
  setTimeout(() => {
    if (shuttingDown) res.setHeader('Connection', 'close');
    res.setHeader('x-pod', process.env.POD_NAME ?? '');
    res.end('ok\n');
  }, workMs);
});
// Longer than the client's idle timeout, so the client, not the server, retires idle connections.
server.keepAliveTimeout = 65_000;

process.on('SIGTERM', () => {
  shuttingDown = true;
  // Connections in use get `Connection: close` on their next response, so clients leave them
  // between requests. A moment later, stop accepting and close what is still idle (Node's
  // close() does both); closing idle connections at once would race clients writing to them.
  // Exit when the last connection has closed, or at the drain deadline.
  setTimeout(() => server.close(() => process.exit(0)), closeDelayMs);
  setTimeout(() => process.exit(0), drainTimeoutMs).unref();
});

setTimeout(() => server.listen(port, '127.0.0.1'), Number(process.env.STARTUP_DELAY_MS ?? 0));
