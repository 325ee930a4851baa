// The kubelet's probe worker (pkg/kubelet/prober/worker.go, spec 2.2): first probe after
// initialDelaySeconds (at once by default), then every periodSeconds; a result flips only
// after successThreshold / failureThreshold consecutive results.

import { ResolvedProbe } from '../../manifest/probe';
import { ClockTimer, DrillClock } from '../time/clock';

export class ProbeWorker {
  private timer?: ClockTimer;
  private stopped = false;
  private successes = 0;
  private failures = 0;
  private state?: boolean;

  constructor(
    private readonly clock: DrillClock,
    private readonly probe: ResolvedProbe,
    /** Runs the probe's handler once. */
    private readonly check: () => Promise<boolean>,
    /** Readiness starts as Failure and reports its first failure; startup starts as Unknown (spec 2.2). */
    private readonly kind: 'readiness' | 'startup',
    private readonly onResult: (ok: boolean) => void,
  ) {}

  public start(): void {
    this.timer = this.clock.after(this.probe.initialDelaySeconds, () => void this.tick());
  }

  public stop(): void {
    this.stopped = true;
    this.timer?.cancel();
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    const startedAt = this.clock.now();
    const ok = await this.check();
    if (this.stopped) return;
    if (ok) {
      this.successes++;
      this.failures = 0;
      if (this.state !== true && this.successes >= this.probe.successThreshold) this.report(true);
    } else {
      this.failures++;
      this.successes = 0;
      if ((this.state !== false && this.failures >= this.probe.failureThreshold) || (this.state === undefined && this.kind === 'readiness')) {
        this.report(false);
      }
    }
    // A ticker: the next probe is a period after this one started, not after it ended.
    const next = Math.max(0, this.probe.periodSeconds - (this.clock.now() - startedAt));
    if (!this.stopped) this.timer = this.clock.after(next, () => void this.tick());
  }

  private report(ok: boolean): void {
    this.state = ok;
    this.onResult(ok);
  }
}
