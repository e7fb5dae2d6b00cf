// One coarse clock and one sweeping interval for every data-plane timeout: sessions store a
// deadline number, the sweep fires the expired ones. No setTimeout per request or per chunk.

export interface Expirable {
  /** ms timestamp after which onExpire runs; 0 = no deadline. */
  deadline: number;
  onExpire(): void;
}

const SWEEP_MS = 50;

export class Clock {
  now = Date.now();
  private readonly members = new Set<Expirable>();
  private timer: NodeJS.Timeout | undefined;

  add(e: Expirable): void {
    this.members.add(e);
    if (!this.timer) {
      // `now` is only refreshed by the sweep: after an idle start it may be long stale.
      this.now = Date.now();
      this.timer = setInterval(() => this.sweep(), SWEEP_MS);
      this.timer.unref();
    }
  }

  remove(e: Expirable): void {
    this.members.delete(e);
  }

  /** A deadline `ms` from now; undefined or 0 timeouts mean none. */
  after(ms: number | undefined): number {
    return ms ? this.now + ms : 0;
  }

  private sweep(): void {
    const now = (this.now = Date.now());
    for (const e of this.members) if (e.deadline !== 0 && e.deadline <= now) e.onExpire();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
