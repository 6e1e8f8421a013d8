/**
 * Per-user limits ("nobody can flood the channel"): a sliding window of timestamps per user, in this process. With
 * several replicas each keeps its own count, so a user gets at most the limit per replica; the point is to stop a
 * loop or a bored member, not to meter exactly.
 */

/** One key's counted takes (at most `count`, oldest first), in a list ordered by each key's newest counted take. */
interface Entry {
  key: string;
  times: number[];
  older: Entry | null;
  newer: Entry | null;
}

export class RateLimiter {
  private readonly byKey = new Map<string, Entry>();
  /**
   * Oldest and newest by their newest counted take: the keys whose window ended are always at the oldest end, so
   * forgetting them costs only what is forgotten, never a scan of the others. A linked list rather than the Map's own
   * order, since V8 skips a Map's deleted slots one by one when reading its first key.
   */
  private oldest: Entry | null = null;
  private newest: Entry | null = null;

  /**
   * @param maxKeys the most keys kept. Beyond it the least recently counted key is forgotten even inside its window:
   *   memory stays bounded when callers come from very many addresses. Such a caller could reset another's count,
   *   but with that many addresses a per-address limit does not hold it back anyway.
   */
  constructor(
    private readonly count: number,
    private readonly windowMs: number,
    private readonly maxKeys = 10_000,
  ) {}

  /** How many keys are kept now (at most `maxKeys`). */
  get size(): number {
    return this.byKey.size;
  }

  /** Counts one for `key` at `now`; false when that would exceed the limit (nothing is counted then). */
  take(key: string, now: number): boolean {
    const since = now - this.windowMs;
    while (this.oldest && this.oldest.times[this.oldest.times.length - 1] <= since) this.remove(this.oldest);
    const entry = this.byKey.get(key);
    const times = entry?.times ?? [];
    // At most `count` timestamps per key: trimming is bounded by the limit, not by the number of keys.
    while (times.length > 0 && times[0] <= since) times.shift();
    if (times.length >= this.count) return false;
    times.push(now);
    if (entry) this.unlink(entry);
    const added: Entry = entry ?? { key, times, older: null, newer: null };
    this.append(added);
    this.byKey.set(key, added);
    if (this.byKey.size > this.maxKeys && this.oldest) this.remove(this.oldest);
    return true;
  }

  private remove(entry: Entry): void {
    this.unlink(entry);
    this.byKey.delete(entry.key);
  }

  private unlink(entry: Entry): void {
    if (entry.older) entry.older.newer = entry.newer;
    else this.oldest = entry.newer;
    if (entry.newer) entry.newer.older = entry.older;
    else this.newest = entry.older;
    entry.older = entry.newer = null;
  }

  private append(entry: Entry): void {
    entry.older = this.newest;
    if (this.newest) this.newest.newer = entry;
    else this.oldest = entry;
    this.newest = entry;
  }
}
