// HTTP and TCP on 127.0.0.1, as the kubelet's probes and the data planes need them: a free port,
// a connection accepted, a GET's status.

import * as http from 'http';
import * as net from 'net';

/** Finds a free loopback port. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** GET on 127.0.0.1; resolves the status, 0 when there was none. */
export function httpGetStatus(port: number, path: string, timeoutMs: number): Promise<number> {
  return new Promise(resolve => {
    const req = http.get({ host: '127.0.0.1', port, path, timeout: timeoutMs, agent: false }, res => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', () => resolve(0));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(0));
  });
}

/** Whether 127.0.0.1:port accepts a connection. */
export function tcpConnect(port: number, timeoutMs: number): Promise<boolean> {
  return new Promise(resolve => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
