// The checker's process compiles its check phase without inlining. V8 optimizes a hot function
// on a helper thread, and by default inlines the functions it calls into it. The YAML parser
// profits: a few small functions called millions of times (reading without inlining took 20 %
// longer, measured). The check phase is the opposite: ~45 rules and the cluster model, hundreds
// of functions that all turn hot within the same second, each called a few thousand times.
// Inlined, their compiles are large (the traffic model's alone took ~150 ms of compiler time)
// and queue on helper threads that yield to the main thread (helper-threads.ts): at 10,000
// objects most of the optimized code arrived after the check was over, and the rules ran as
// baseline code meanwhile. Without inlining each compile is a fraction of that, and the code
// arrives while it is still of use. So the flag is set once the input is parsed, before the
// rules run. docs/benchmarks.md has the numbers.
//
// `--turbo-inlining` is read when a compile job is created, so setting it applies to the
// compiles after it; what the program computes does not depend on it (inlining only makes code
// faster or slower). Only the CLI calls this, never the library: a program that checks
// manifests in its own process keeps its V8 flags as they are.

import * as v8 from 'v8';

/** The V8 flag the CLI sets once its input is parsed. */
export const CHECK_PHASE_V8_FLAGS = '--no-turbo-inlining';

/** Makes V8 compile what runs from here on without inlining (`CHECK_PHASE_V8_FLAGS`). */
export function compileCheckPhaseWithoutInlining(setFlags: (flags: string) => void = flags => v8.setFlagsFromString(flags)): void {
  setFlags(CHECK_PHASE_V8_FLAGS);
}
