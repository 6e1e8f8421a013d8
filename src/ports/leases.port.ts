import type { Rollback } from '../domain/rollback';

/** The part of a lease owner `<instance>#<boot>` that a restart of the same instance shares (with its `#`), or null. */
export function instancePrefix(owner: string): string | null {
  const i = owner.lastIndexOf('#');
  return i > 0 ? owner.slice(0, i + 1) : null;
}

/**
 * Who is driving a rollback. Owners are `<instance>#<boot>`: unique per process; the instance part names the replica
 * in logs and status. A lease is taken only when it is free, expired, or already ours; renewed while we work; released
 * when we stop. An earlier boot of our own instance is no exception: Swarm's start-first updates and restarts can run
 * the old and the new task of one slot side by side, both alive, so a boot is known dead only when it let go
 * (released) or stopped renewing (expired). A rollback whose driver died is found by its expired lease and picked up.
 */
export interface Leases {
  claim(id: string, owner: string, until: number, now: number): Promise<boolean>;
  release(id: string, owner: string): Promise<void>;
  /**
   * Rollbacks that should be moving but nobody live is driving: no lease, or an expired one. Never one with a live
   * lease, whoever holds it.
   */
  orphans(now: number, limit: number): Promise<Rollback[]>;
  /** Who holds a live lease on each of `ids` (owner `<instance>#<boot>`): which replica drives what, for status. */
  holders(ids: readonly string[], now: number): Promise<Map<string, string>>;
}
