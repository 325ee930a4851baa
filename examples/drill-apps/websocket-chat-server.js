#!/usr/bin/env node
// A chat server with long-lived connections, on Node's built-ins only: WebSocket at /chat (a
// minimal RFC 6455 server: text frames, ping/pong, close) and a server-sent event stream at
// /events. Each message a client sends is broadcast to every client of this process, tagged
// with the release. /metrics reports `chat_open_connections` (WebSockets + event streams), the
// gauge a RainbowDeployment's KEDA trigger reads to scale a drained release to zero.
//
// Shutdown (SIGTERM): readiness fails, the listener closes (no new connections), every
// WebSocket gets a close frame 1001 "going away" and every event stream an `event: reconnect`,
// so clients reconnect (to the active release, through the Service); exit once all are gone or
// at the drain deadline. In a rainbow deployment SIGTERM comes only when the release is idle or
// a node drains: connections are not cut by releases.
//
// Plain HTTP requests on kept-alive connections get `Connection: close` after SIGTERM, and the
// listener closes (with the idle connections) CLOSE_DELAY_MS later, so that a client is never
// caught writing to a connection the server is closing.
//
// Env: PORT (required), RELEASE (shown to clients, default 'dev'), POD_NAME,
// HEARTBEAT_MS (event stream heartbeat, default 1000), DRAIN_TIMEOUT_MS (default 10000),
// CLOSE_DELAY_MS (default 1000).
const crypto = require('crypto');
const http = require('http');

const port = Number(process.env.PORT);
const release = process.env.RELEASE ?? 'dev';
const heartbeatMs = Number(process.env.HEARTBEAT_MS ?? 1000);
const drainTimeoutMs = Number(process.env.DRAIN_TIMEOUT_MS ?? 10000);
const closeDelayMs = Number(process.env.CLOSE_DELAY_MS ?? 1000);
let httpClosed = false;
const WEBSOCKET_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const sockets = new Set();
const streams = new Set();
let shuttingDown = false;

/** One unfragmented frame from server to client (never masked): FIN + opcode, length, payload. */
function frame(opcode, payload = Buffer.alloc(0)) {
  const n = payload.length;
  const header = n < 126 ? Buffer.from([0x80 | opcode, n])
    : n < 65536 ? Buffer.from([0x80 | opcode, 126, n >> 8, n & 255])
      : Buffer.concat([Buffer.from([0x80 | opcode, 127]), (() => { const b = Buffer.alloc(8); b.writeBigUInt64BE(BigInt(n)); return b; })()]);
  return Buffer.concat([header, payload]);
}

function closeFrame(code, reason) {
  const payload = Buffer.alloc(2 + Buffer.byteLength(reason));
  payload.writeUInt16BE(code, 0);
  payload.write(reason, 2);
  return frame(0x8, payload);
}

function broadcast(text) {
  const data = frame(0x1, Buffer.from(text));
  for (const s of sockets) s.write(data);
  for (const res of streams) res.write(`data: ${text}\n\n`);
}

/** Reads the client's (masked) frames from a buffer; returns what was not a whole frame yet. */
function readFrames(socket, buffer) {
  while (buffer.length >= 2) {
    const opcode = buffer[0] & 0x0f;
    const masked = (buffer[1] & 0x80) !== 0;
    let length = buffer[1] & 0x7f;
    let offset = 2;
    if (length === 126) {
      if (buffer.length < 4) return buffer;
      length = buffer.readUInt16BE(2);
      offset = 4;
    } else if (length === 127) {
      if (buffer.length < 10) return buffer;
      length = Number(buffer.readBigUInt64BE(2));
      offset = 10;
    }
    const mask = masked ? buffer.subarray(offset, offset + 4) : undefined;
    offset += masked ? 4 : 0;
    if (buffer.length < offset + length) return buffer;
    const payload = Buffer.from(buffer.subarray(offset, offset + length));
    if (mask) for (let i = 0; i < payload.length; i++) payload[i] ^= mask[i % 4];
    buffer = buffer.subarray(offset + length);
    if (opcode === 0x1) broadcast(`[${release}] ${payload.toString()}`);
    else if (opcode === 0x9) socket.write(frame(0xa, payload));
    else if (opcode === 0x8) {
      socket.end(frame(0x8, payload.subarray(0, 2)));
      return Buffer.alloc(0);
    }
  }
  return buffer;
}

const server = http.createServer((req, res) => {
  if (shuttingDown) res.setHeader('Connection', 'close');
  if (req.url === '/ready') {
    res.writeHead(shuttingDown ? 503 : 200).end();
  } else if (req.url === '/healthz') {
    res.writeHead(200).end();
  } else if (req.url === '/metrics') {
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    res.end(`# HELP chat_open_connections Open WebSocket and event-stream connections.\n# TYPE chat_open_connections gauge\n`
      + `chat_open_connections{release="${release}"} ${sockets.size + streams.size}\n`);
  } else if (req.url === '/events') {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'x-release': release, 'x-pod': process.env.POD_NAME ?? '' });
    res.write(`event: hello\ndata: ${release}\n\n`);
    const timer = setInterval(() => res.write(`event: heartbeat\ndata: ${Date.now()}\n\n`), heartbeatMs);
    streams.add(res);
    res.on('close', () => { clearInterval(timer); streams.delete(res); exitWhenIdle(); });
  } else {
    res.writeHead(200, { 'content-type': 'text/plain' }).end(`chat ${release}\n`);
  }
});

server.on('upgrade', (req, socket) => {
  const key = req.headers['sec-websocket-key'];
  if (req.url !== '/chat' || !key || shuttingDown) {
    socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    return;
  }
  const accept = crypto.createHash('sha1').update(key + WEBSOCKET_GUID).digest('base64');
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n`
    + `X-Release: ${release}\r\n\r\n`);
  socket.setNoDelay(true);
  sockets.add(socket);
  socket.write(frame(0x1, Buffer.from(`welcome to ${release}`)));
  let pending = Buffer.alloc(0);
  socket.on('data', chunk => { pending = readFrames(socket, Buffer.concat([pending, chunk])); });
  socket.on('close', () => { sockets.delete(socket); exitWhenIdle(); });
  socket.on('error', () => socket.destroy());
});

function exitWhenIdle() {
  if (shuttingDown && httpClosed && sockets.size === 0 && streams.size === 0) process.exit(0);
}

process.on('SIGTERM', () => {
  shuttingDown = true;
  // close() also ends the idle kept-alive connections; its callback comes when the last
  // connection (requests in flight included) is gone.
  setTimeout(() => server.close(() => {
    httpClosed = true;
    exitWhenIdle();
  }), closeDelayMs);
  for (const s of sockets) s.end(closeFrame(1001, 'going away'));
  for (const res of streams) res.end('event: reconnect\ndata: going away\n\n');
  exitWhenIdle();
  setTimeout(() => process.exit(0), drainTimeoutMs).unref();
});

server.listen(port, '127.0.0.1');
