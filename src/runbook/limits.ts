/**
 * Per-user limits ("nobody can flood the channel"): a sliding window of timestamps per user, in this process. With
 * several replicas each keeps its own count, so a user gets at most the limit per replica; the point is to stop a
 * loop or a bored member, not to meter exactly.
 */
export class RateLimiter {
  private readonly seen = new Map<string, number[]>();

  constructor(
    private readonly count: number,
    private readonly windowMs: number,
  ) {}

  /** Counts one for `key` at `now`; false when that would exceed the limit (nothing is counted then). */
  take(key: string, now: number): boolean {
    const recent = (this.seen.get(key) ?? []).filter((t) => t > now - this.windowMs);
    if (recent.length >= this.count) {
      this.seen.set(key, recent);
      return false;
    }
    recent.push(now);
    this.seen.set(key, recent);
    if (this.seen.size > 10_000) this.prune(now);
    return true;
  }

  private prune(now: number): void {
    for (const [k, times] of this.seen) if (!times.some((t) => t > now - this.windowMs)) this.seen.delete(k);
  }
}
