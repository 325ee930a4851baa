#!/usr/bin/env node
// An HTTP app that shuts down correctly: on SIGTERM it stops accepting, answers every request
// still arriving on kept-alive connections with `Connection: close` (so clients reconnect to
// other pods), closes the connections that stay idle, finishes in-flight requests, then exits.
//
// With UPSTREAM_PORT set (the drill sets it to the port of the pod's sidecar, see docs/drill.md),
// every request also calls that upstream (a database proxy, db-proxy.js) and answers 502 when
// the call fails; the app listens only once the upstream accepts connections, as an app that
// connects to its database at startup.
//
// Env: PORT (required), POD_NAME, STARTUP_DELAY_MS (time before it listens), WORK_MS
// (time per request), CLOSE_DELAY_MS (time between SIGTERM and closing the listener and idle
// connections, default 1000), DRAIN_TIMEOUT_MS (hard deadline after SIGTERM), UPSTREAM_PORT.
const http = require('http');
const net = require('net');

const port = Number(process.env.PORT);
const workMs = Number(process.env.WORK_MS ?? 5);
const drainTimeoutMs = Number(process.env.DRAIN_TIMEOUT_MS ?? 10000);
const closeDelayMs = Number(process.env.CLOSE_DELAY_MS ?? 1000);
const upstreamPort = process.env.UPSTREAM_PORT ? Number(process.env.UPSTREAM_PORT) : undefined;
const upstreamAgent = new http.Agent({ keepAlive: true });
let shuttingDown = false;

/** Calls the upstream; resolves whether it answered 2xx. */
function callUpstream() {
  return new Promise(resolve => {
    const req = http.get({ host: '127.0.0.1', port: upstreamPort, path: '/', agent: upstreamAgent, timeout: 5000 }, res => {
      res.resume();
      res.on('end', () => resolve(res.statusCode >= 200 && res.statusCode < 300));
      res.on('error', () => resolve(false));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

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
  setTimeout(async () => {
    const ok = upstreamPort === undefined || await callUpstream();
    if (shuttingDown) res.setHeader('Connection', 'close');
    res.setHeader('x-pod', process.env.POD_NAME ?? '');
    if (ok) res.end('ok\n'); else res.writeHead(502).end('upstream failed\n');
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

/** Resolves once the upstream accepts a connection (at once without one). */
function upstreamUp() {
  if (upstreamPort === undefined) return Promise.resolve();
  return new Promise(resolve => {
    const attempt = () => {
      const socket = net.connect(upstreamPort, '127.0.0.1', () => {
        socket.destroy();
        resolve();
      });
      socket.on('error', () => setTimeout(attempt, 20));
    };
    attempt();
  });
}

setTimeout(() => upstreamUp().then(() => server.listen(port, '127.0.0.1')), Number(process.env.STARTUP_DELAY_MS ?? 0));
