import type { Rollback } from '../domain/rollback.machine';

/** The part of a lease owner `<instance>#<boot>` that a restart of the same instance shares (with its `#`), or null. */
export function instancePrefix(owner: string): string | null {
  const i = owner.lastIndexOf('#');
  return i > 0 ? owner.slice(0, i + 1) : null;
}

/**
 * Who is driving a rollback. Owners are `<instance>#<boot>`: unique per process, while the instance part survives a
 * restart. A lease is taken when it is free, expired, already ours, or held by an earlier boot of our instance (we
 * restarted); renewed while we work; released when we stop. A rollback whose driver died is found by its expired
 * lease and picked up.
 */
export interface Leases {
  claim(id: string, owner: string, until: number, now: number): Promise<boolean>;
  release(id: string, owner: string): Promise<void>;
  /**
   * Rollbacks that should be moving but nobody live is driving: no lease, an expired one, or one held by an earlier
   * boot of our instance (we restarted). Never one held by `owner` itself, nor by another live process.
   */
  orphans(now: number, owner: string, limit: number): Promise<Rollback[]>;
  /** Who holds a live lease on each of `ids` (owner `<instance>#<boot>`): which replica drives what, for status. */
  holders(ids: readonly string[], now: number): Promise<Map<string, string>>;
}
