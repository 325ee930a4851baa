// Probe and hook handlers against the local process: httpGet (200-399 is success, spec 2.1) and
// tcpSocket (a connection accepted) are traffic/loopback.ts; exec (exit code 0) runs here, in its
// own process group.

import { killGroup, ProcessReaper } from '../process/process-reaper';

/** Runs a command (no shell); true when it exits 0 within the timeout. */
export function runCommand(reaper: ProcessReaper, command: string[], env: NodeJS.ProcessEnv, cwd: string, timeoutMs: number): Promise<boolean> {
  return new Promise(resolve => {
    if (!Array.isArray(command) || command.length === 0) {
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
