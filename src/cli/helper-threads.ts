// The checker's process gives its main thread the first claim on the CPU. V8 compiles hot
// functions and helps the garbage collector on helper threads: four of them whatever the
// machine has (Node's `--v8-pool-size` default). The checker's rules are many functions that
// all turn hot within the first second, so those threads are busy exactly while the main thread
// checks; on a 2-core CI runner five runnable threads then share two cores, and the main thread,
// which alone does the checking, waits for a third of the check phase (measured at 10,000
// objects: 1.16 s of wall clock for 0.79 s of its own CPU). At a lower priority the helpers run
// on the cores the main thread leaves free, and compiled code still arrives (a nice of 19 starves
// them and is slower again). docs/benchmarks.md has the numbers.
//
// Linux only: there a thread's id names it to setpriority(2), and /proc lists the threads. Other
// systems keep their scheduling as it is. Only the CLI calls this, never the library: a program
// that checks manifests in its own process keeps its threads as they are.

import * as fs from 'fs';
import * as os from 'os';

/** The nice value given to the helper threads (the main thread keeps its own, usually 0). */
export const HELPER_THREAD_NICE = 10;

/**
 * Lowers the scheduling priority of every thread of this process but the main one, on Linux.
 * Threads started later (by the main thread) keep the main thread's priority. Returns how many
 * threads were changed; a thread that cannot be changed is left as it is.
 */
export function yieldHelperThreads(platform: NodeJS.Platform = process.platform): number {
  if (platform !== 'linux') return 0;
  let threads: string[];
  try {
    threads = fs.readdirSync('/proc/self/task');
  } catch {
    return 0; // no /proc (a minimal container): nothing to change
  }
  let changed = 0;
  for (const thread of threads) {
    const tid = Number(thread);
    // The main thread's id is the process id.
    if (!Number.isInteger(tid) || tid === process.pid) continue;
    try {
      os.setPriority(tid, HELPER_THREAD_NICE);
      changed++;
    } catch {
      // Gone already, or not permitted: it keeps its priority.
    }
  }
  return changed;
}
