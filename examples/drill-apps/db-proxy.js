#!/usr/bin/env node
// A sidecar the app calls on every request, as a database proxy (Cloud SQL Auth Proxy, PgBouncer)
// sits between an app and its database: each request to it waits DB_MS (the query) and answers
// 200. On SIGTERM it exits at once, as such proxies do by default (cloud-sql-proxy's
// --max-sigterm-delay is 0): whatever the app still sends it fails.
//
// Env: PORT (required), DB_MS (time per query, default 5), SIGTERM_DELAY_MS (keep serving this
// long after SIGTERM before exiting, like --max-sigterm-delay; default 0).
const http = require('http');

const dbMs = Number(process.env.DB_MS ?? 5);
const server = http.createServer((req, res) => {
  setTimeout(() => res.end('row\n'), dbMs);
});
server.keepAliveTimeout = 65_000;

process.on('SIGTERM', () => {
  setTimeout(() => process.exit(0), Number(process.env.SIGTERM_DELAY_MS ?? 0));
});

server.listen(Number(process.env.PORT), '127.0.0.1');
