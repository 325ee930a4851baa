// The load generator on Node's http: constant rate, keep-alive sockets retired after
// --requests-per-connection requests, each request attributed to its socket's local port, and
// the failure classes the report uses.
import * as http from 'http';
import * as net from 'net';
import { Clock } from '../src/drill/time/clock';
import { LoadGenerator, TIMEOUT_CODE } from '../src/drill/traffic/load-generator';

function listen(server: net.Server): Promise<number> {
  return new Promise(resolve => server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)));
}

function close(server: net.Server): Promise<void> {
  return new Promise(resolve => server.close(() => resolve()));
}

/** Runs the load for about `ms`; `elapsedMs` is how long it really ran (a busy machine's timers fire late). */
type LoadOverrides = Partial<ConstructorParameters<typeof LoadGenerator>[1]>;

async function runLoadTimed(port: number, options: LoadOverrides, ms: number): Promise<{ load: LoadGenerator; elapsedMs: number }> {
  const load = new LoadGenerator(new Clock(1), { ports: [port], rate: 200, connections: 4, requestsPerConnection: 5, maxRequests: 10_000, timeoutMs: 2000, path: '/', ...options });
  const started = performance.now();
  load.start();
  await new Promise(r => setTimeout(r, ms));
  const elapsedMs = performance.now() - started;
  await load.stop();
  return { load, elapsedMs };
}

async function runLoad(port: number, options: LoadOverrides, ms: number): Promise<LoadGenerator> {
  return (await runLoadTimed(port, options, ms)).load;
}

describe('LoadGenerator (node:http)', () => {
  test('constant rate over keep-alive sockets, each retired after its requests, every request attributed to its socket', async () => {
    const remotePorts = new Map<number, number>();
    const server = http.createServer((req, res) => {
      const port = req.socket.remotePort!;
      remotePorts.set(port, (remotePorts.get(port) ?? 0) + 1);
      res.setHeader('x-pod', 'pod-a');
      res.end('ok');
    });
    server.keepAliveTimeout = 60_000;
    const port = await listen(server);
    const { load, elapsedMs } = await runLoadTimed(port, { rate: 200, connections: 4, requestsPerConnection: 5 }, 1000);
    await close(server);
    // 200/s for as long as it ran (about 1 s; later on a busy machine): a loaded machine may lag a
    // little, never burst past the schedule (one request every 5 ms from the start).
    expect(load.records.length).toBeGreaterThanOrEqual(150);
    expect(load.records.length).toBeLessThanOrEqual(Math.floor(elapsedMs / 5) + 1);
    expect(load.records.every(r => r.status === 200 && r.error === undefined && r.servedBy === 'pod-a')).toBe(true);
    // The client's local port is the server's remote port: the attribution the report relies on.
    const byPort = new Map<number, number>();
    for (const r of load.records) byPort.set(r.localPort!, (byPort.get(r.localPort!) ?? 0) + 1);
    expect([...byPort.keys()].sort()).toEqual([...remotePorts.keys()].sort());
    // No socket carried more than 5 requests: the agent replaced them.
    expect(Math.max(...byPort.values())).toBeLessThanOrEqual(5);
    expect(byPort.size).toBeGreaterThanOrEqual(Math.floor(load.records.length / 5));
  });

  test('failure classes: refused (nothing listens), reset (connection dropped), timeout, 5xx', async () => {
    // Refused: a port nobody listens on.
    const probe = net.createServer();
    const closedPort = await listen(probe);
    await close(probe);
    const refused = await runLoad(closedPort, { rate: 50 }, 300);
    expect(refused.records.length).toBeGreaterThan(5);
    expect(refused.records.every(r => r.error === 'ECONNREFUSED')).toBe(true);

    const resetServer = net.createServer(s => s.resetAndDestroy());
    const reset = await runLoad(await listen(resetServer), { rate: 50 }, 300);
    await close(resetServer);
    expect(reset.records.every(r => r.error === 'ECONNRESET')).toBe(true);

    const slow = http.createServer(() => undefined);
    const timedOut = await runLoad(await listen(slow), { rate: 20, timeoutMs: 100 }, 300);
    slow.closeAllConnections();
    await close(slow);
    expect(timedOut.records.every(r => r.error === TIMEOUT_CODE)).toBe(true);

    const failing = http.createServer((_, res) => res.writeHead(503).end());
    const errors = await runLoad(await listen(failing), { rate: 50 }, 300);
    failing.closeAllConnections();
    await close(failing);
    expect(errors.records.every(r => r.status === 503 && r.error === undefined)).toBe(true);
  });

  test('refuses a rate, bound or connection count of 0', () => {
    expect(() => new LoadGenerator(new Clock(1), { ports: [1], rate: 10, connections: 0, requestsPerConnection: 1, maxRequests: 1, timeoutMs: 1, path: '/' }))
      .toThrow('load rate (10/s), request bound (1), connections (0), requests per connection (1) and target ports (1) must be above 0');
  });
});
