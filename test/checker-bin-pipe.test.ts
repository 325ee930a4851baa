// bin/graceful-check piped into a reader that stops early (`graceful-check … | head`): the rest of
// the report has nowhere to go, and the CLI stops quietly with the check's exit code, not with
// Node's stack trace for an unhandled EPIPE.
import { spawn } from 'child_process';
import * as path from 'path';
import { helmCopies } from './checker-inputs';

const ROOT = path.join(__dirname, '..');
/** Bound on a test that starts a Node process: far above the second it takes. */
const PROCESS_TEST_BOUND_MS = 60_000;

test('a reader that closes the pipe after the first chunk ends the CLI quietly, with the exit code of the check', async () => {
  // 3,300 objects: a report of several hundred KB, far more than a pipe holds, so writes are still
  // to come when the reader goes away.
  const input = helmCopies(300);
  const cli = spawn(process.execPath, [path.join(ROOT, 'bin', 'graceful-check'), '-'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  cli.stderr!.on('data', d => { stderr += d; });
  let firstChunk = '';
  // Waits for the event: the first output, then closes the reading end, as `head` does when it has enough.
  cli.stdout!.once('data', d => {
    firstChunk = String(d);
    cli.stdout!.destroy();
  });
  const exited = new Promise<number | null>(resolve => cli.once('close', code => resolve(code)));
  cli.stdin!.end(input);
  const code = await exited;
  expect(firstChunk).toMatch(/^<stdin>:\d+ {2}Deployment r0-acme-api\n/);
  expect(stderr).toBe('');
  expect(code).toBe(1); // the input's errors
}, PROCESS_TEST_BOUND_MS);
