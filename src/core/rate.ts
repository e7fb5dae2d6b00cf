// Event rate over a sliding one-second window, as HAProxy's freq_ctr: the current second's
// count plus the previous second's count weighted by the part of it still inside the window.
// hit() is on the hot path: plain arithmetic, no allocation.

export class RateCounter {
  private second = 0;
  private current = 0;
  private previous = 0;
  max = 0;

  hit(nowMs: number): void {
    const sec = Math.floor(nowMs / 1000);
    if (sec !== this.second) {
      this.previous = sec === this.second + 1 ? this.current : 0;
      this.current = 0;
      this.second = sec;
    }
    this.current++;
    const r = this.read(nowMs);
    if (r > this.max) this.max = r;
  }

  read(nowMs: number): number {
    const sec = Math.floor(nowMs / 1000);
    if (sec === this.second) {
      const remaining = 1 - (nowMs - sec * 1000) / 1000;
      return this.current + Math.floor(this.previous * remaining);
    }
    if (sec === this.second + 1) {
      const remaining = 1 - (nowMs - sec * 1000) / 1000;
      return Math.floor(this.current * remaining);
    }
    return 0;
  }

  clearMax(): void {
    this.max = 0;
  }

  reset(): void {
    this.second = 0;
    this.current = 0;
    this.previous = 0;
    this.max = 0;
  }
}

/** Sliding average over about `n` samples (HAProxy's swrate): cheap, no ring buffer. */
export function slidingAverage(avg: number, n: number, sample: number): number {
  return avg + (sample - avg) / n;
}
