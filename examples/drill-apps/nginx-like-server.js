#!/usr/bin/env node
// An HTTP server with nginx's signal semantics (nginx(8), "Controlling nginx"):
// - SIGTERM (and SIGINT) is the *fast* shutdown: every connection is closed at once and the
//   process exits, so requests in flight are dropped;
// - SIGQUIT is the *graceful* shutdown: stop accepting, finish the requests in flight, answer
//   requests still arriving on kept-alive connections with `Connection: close`, close the idle
//   connections, exit when the last connection has closed.
// `nginx -s quit` sends SIGQUIT; the drill replays that command of a preStop hook as SIGQUIT to
// this process. Real nginx closes idle kept-alive connections at once on SIGQUIT; this server
// waits CLOSE_DELAY_MS first (as graceful-server.js does), so that a client reusing an idle
// connection at that instant is not counted against the signal.
//
// Env: PORT (required), POD_NAME, WORK_MS (time per request, default 50), CLOSE_DELAY_MS
// (default 1000), DRAIN_TIMEOUT_MS (hard deadline after SIGQUIT, default 10000).
const http = require('http');

const workMs = Number(process.env.WORK_MS ?? 50);
const closeDelayMs = Number(process.env.CLOSE_DELAY_MS ?? 1000);
const drainTimeoutMs = Number(process.env.DRAIN_TIMEOUT_MS ?? 10000);
const sockets = new Set();
let quitting = false;

const server = http.createServer((req, res) => {
  if (req.url === '/healthz' || req.url === '/ready') {
    res.writeHead(quitting ? 503 : 200).end();
    return;
  }
  setTimeout(() => {
    if (quitting) res.setHeader('Connection', 'close');
    res.setHeader('x-pod', process.env.POD_NAME ?? '');
    res.end('ok\n');
  }, workMs);
});
server.keepAliveTimeout = 65_000;
server.on('connection', socket => {
  // After SIGQUIT nginx no longer accepts: a new connection is dropped.
  if (quitting) {
    socket.destroy();
    return;
  }
  sockets.add(socket);
  socket.on('close', () => sockets.delete(socket));
});

const fast = () => {
  // nginx's fast shutdown: no draining at all.
  for (const socket of sockets) socket.destroy();
  process.exit(0);
};
process.on('SIGTERM', fast);
process.on('SIGINT', fast);

process.on('SIGQUIT', () => {
  if (quitting) return;
  quitting = true;
  // Node's close() stops the listener and closes idle connections at once: after the delay.
  setTimeout(() => server.close(() => process.exit(0)), closeDelayMs);
  setTimeout(() => process.exit(0), drainTimeoutMs).unref();
});

server.listen(Number(process.env.PORT), '127.0.0.1');
