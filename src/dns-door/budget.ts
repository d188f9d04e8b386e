// Per-source and per-key message budgets of the DNS door: counts per fixed one-minute window, all forgotten when the
// window turns. A UDP source can be forged, so the table is bounded: past MAX_TRACKED sources in one window, a source
// not yet counted is over budget until the window turns (a flood of forged sources cannot grow memory).
const MAX_TRACKED = 10_000;

export class MinuteBudget {
  private counts = new Map<string, number>();
  private windowStart = 0;

  constructor(private readonly perMinute: number, private readonly now: () => number = Date.now) {}

  /** Counts one message for `key`; false when `key` is over its budget this minute. */
  take(key: string): boolean {
    const t = this.now();
    if (t - this.windowStart >= 60_000) {
      this.counts = new Map();
      this.windowStart = t;
    }
    const n = this.counts.get(key);
    if (n === undefined && this.counts.size >= MAX_TRACKED) return false;
    if ((n ?? 0) >= this.perMinute) return false;
    this.counts.set(key, (n ?? 0) + 1);
    return true;
  }
}
