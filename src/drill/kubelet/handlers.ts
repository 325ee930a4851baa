// Probe and hook handlers against the local process: httpGet (200-399 is success, spec 2.1),
// tcpSocket (a connection accepted), exec (exit code 0, run in its own process group).

import * as http from 'http';
import * as net from 'net';
import { killGroup, ProcessReaper } from '../process/process-reaper';

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

/** Runs a command (no shell); true when it exits 0 within the timeout. */
export function runCommand(reaper: ProcessReaper, command: string[], env: NodeJS.ProcessEnv, cwd: string, timeoutMs: number): Promise<boolean> {
  return new Promise(resolve => {
    if (command.length === 0) {
      resolve(false);
      return;
    }
    let child;
    try {
      child = reaper.spawn(command[0], command.slice(1), { env, cwd, stdio: 'ignore' });
    } catch {
      resolve(false);
      return;
    }
    const pid = child.pid;
    const timer = setTimeout(() => pid !== undefined && killGroup(pid), timeoutMs);
    child.once('error', () => {
      clearTimeout(timer);
      resolve(false);
    });
    child.once('exit', code => {
      clearTimeout(timer);
      resolve(code === 0);
    });
  });
}
