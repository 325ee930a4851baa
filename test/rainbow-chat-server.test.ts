// The example WebSocket chat server (examples/drill-apps/websocket-chat-server.js), which a drill
// can run as a release: handshake, broadcast, event stream, the connection gauge KEDA reads, and
// a shutdown that tells clients to reconnect instead of cutting them.
// WebSocket frames are bit fields (FIN, opcode, mask bit, length, XOR masking).
/* eslint-disable no-bitwise */
import { ChildProcess, spawn } from 'child_process';
import * as crypto from 'crypto';
import * as http from 'http';
import * as net from 'net';
import * as path from 'path';

const SERVER = path.join(__dirname, '..', 'examples', 'drill-apps', 'websocket-chat-server.js');

function freePort(): Promise<number> {
  return new Promise(resolve => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

async function start(release: string): Promise<{ child: ChildProcess; port: number }> {
  const port = await freePort();
  const child = spawn(process.execPath, [SERVER], { env: { ...process.env, PORT: String(port), RELEASE: release, DRAIN_TIMEOUT_MS: '3000' }, stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    if (await get(port, '/ready').then(r => r.status === 200, () => false)) return { child, port };
    await new Promise(r => setTimeout(r, 50));
  }
  throw new Error('server did not start');
}

function get(port: number, urlPath: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: urlPath }, res => {
      let body = '';
      res.on('data', c => body += c);
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    }).on('error', reject);
  });
}

/** A minimal WebSocket client: the handshake, masked text frames out, server frames in. */
interface ChatClient {
  socket: net.Socket;
  messages: Array<{ opcode: number; payload: Buffer }>;
  send: (text: string) => void;
  closed: Promise<void>;
}

function connect(port: number): Promise<ChatClient> {
  return new Promise((resolve, reject) => {
    const key = crypto.randomBytes(16).toString('base64');
    const req = http.request({ host: '127.0.0.1', port, path: '/chat', headers: { 'Connection': 'Upgrade', 'Upgrade': 'websocket', 'Sec-WebSocket-Key': key, 'Sec-WebSocket-Version': '13' } });
    req.on('upgrade', (res, socket, head) => {
      const expected = crypto.createHash('sha1').update(key + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64');
      if (res.headers['sec-websocket-accept'] !== expected) reject(new Error('bad Sec-WebSocket-Accept'));
      const messages: Array<{ opcode: number; payload: Buffer }> = [];
      // Frames the server wrote right after the handshake may have come with the response (head).
      let pending = Buffer.alloc(0);
      const read = (chunk: Buffer) => {
        pending = Buffer.concat([pending, chunk]);
        while (pending.length >= 2 && pending.length >= 2 + (pending[1] & 0x7f)) {
          const n = pending[1] & 0x7f;
          messages.push({ opcode: pending[0] & 0x0f, payload: pending.subarray(2, 2 + n) });
          pending = pending.subarray(2 + n);
        }
      };
      read(head);
      socket.on('data', read);
      const closed = new Promise<void>(r => socket.on('close', () => r()));
      const send = (text: string) => {
        const payload = Buffer.from(text);
        const mask = crypto.randomBytes(4);
        const masked = Buffer.from(payload.map((b, i) => b ^ mask[i % 4]));
        socket.write(Buffer.concat([Buffer.from([0x81, 0x80 | payload.length]), mask, masked]));
      };
      resolve({ socket, messages, send, closed });
    });
    req.on('error', reject);
    req.end();
  });
}

const until = async (check: () => boolean) => {
  for (let i = 0; i < 100 && !check(); i++) await new Promise(r => setTimeout(r, 20));
  expect(check()).toBe(true);
};

describe('websocket-chat-server', () => {
  let server: { child: ChildProcess; port: number } | undefined;
  afterEach(() => server?.child.kill('SIGKILL'));

  test('WebSocket chat: welcome, broadcast tagged with the release, the open-connection gauge', async () => {
    server = await start('1-5-0');
    const a = await connect(server.port);
    const b = await connect(server.port);
    await until(() => a.messages.length === 1 && b.messages.length === 1);
    expect(a.messages[0].payload.toString()).toBe('welcome to 1-5-0');
    a.send('hello');
    await until(() => b.messages.length === 2);
    expect(b.messages[1].payload.toString()).toBe('[1-5-0] hello');
    expect((await get(server.port, '/metrics')).body).toContain('chat_open_connections{release="1-5-0"} 2');
    a.socket.destroy();
    b.socket.destroy();
  });

  test('SIGTERM: readiness fails, clients get close 1001 (reconnect elsewhere), the process exits once they are gone', async () => {
    server = await start('1-4-0');
    const client = await connect(server.port);
    const exited = new Promise<number | null>(r => server!.child.on('exit', code => r(code)));
    server.child.kill('SIGTERM');
    await until(() => client.messages.some(m => m.opcode === 0x8));
    const close = client.messages.find(m => m.opcode === 0x8)!;
    expect(close.payload.readUInt16BE(0)).toBe(1001);
    client.socket.end();
    await client.closed;
    expect(await exited).toBe(0);
  });
});
