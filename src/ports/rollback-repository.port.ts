import type { Rollback, Status } from '../domain/rollback';
import type { RollbackEvent } from '../domain/rollback.events';

/** One line of a rollback's timeline: every stored event, and every refusal (audit-only). */
export interface TimelineEntry {
  rollbackId: string;
  seq: number;
  at: string;
  type: RollbackEvent['type'] | 'Requested';
  actor: string | null;
  event: unknown;
}

export type CreateResult = { ok: true; rollback: Rollback } | { ok: false; active: Rollback };

/** The rollbacks themselves: the per-environment lock, compare-and-set, the timeline, "latest" queries. */
export interface RollbackRepository {
  /**
   * Creates the rollback unless the environment already has an active one (the lock), with `lease` taken in the
   * same write: a rollback is owned by the process that creates it from its first moment.
   */
  create(rollback: Rollback, lease?: { owner: string; until: number }): Promise<CreateResult>;
  get(id: string): Promise<Rollback | null>;
  /**
   * Compare-and-set: writes `next` (with version+1) and appends `event` to the timeline only if the stored version
   * still equals `expectedVersion`. Returns the stored rollback, or null on a conflict.
   */
  save(expectedVersion: number, next: Rollback, event: RollbackEvent): Promise<Rollback | null>;
  /**
   * Appends an audit-only event (someone was turned away) to the timeline without touching the rollback: its state,
   * version, times and ordering stay as they were. False when there is no such rollback.
   */
  audit(id: string, event: RollbackEvent): Promise<boolean>;
  timeline(id: string): Promise<TimelineEntry[]>;
  /** Newest first by when a rollback ended (set once, by the event that ended it), else when it was requested. */
  list(filter: { statuses?: readonly Status[]; environment?: string; limit: number }): Promise<Rollback[]>;
  /**
   * The rollbacks that mark `environment`, newest first: every one whose Step 3 started (`mayHaveChangedProduction`),
   * whatever its state, made after the newest such rollback an incident commander cleared. "After" is the store's
   * own order of creation, never the replicas' clocks. [] when nothing marks it. They keep its deploys locked, and
   * the versions they moved away from are never proposed.
   */
  marks(environment: string): Promise<Rollback[]>;
}
