/**
 * Picking up what nobody drives: after a restart, or when another replica died.
 */
import type { Rollback } from '../../domain/rollback';
import { nowIso } from '../engine/context';
import { tell } from '../policies/audience';
import { UseCase } from './use-case';

export class Resume extends UseCase {
  /**
   * Picks up every rollback that should be moving but that no live instance drives (after a restart, or when
   * another replica died). Step 1 is read-only and is redone; Step 3 first checks that production still matches
   * what the rollback left (else it is marked interrupted), re-reads Docker and does not update a service that
   * already points at the target; Step 4 re-verifies.
   */
  async resumeOrphans(): Promise<Rollback[]> {
    const orphans = (await this.deps.leases.orphans(this.deps.clock.now().getTime(), 100)).filter(
      (r) => !this.runner.isDriving(r.id),
    );
    for (const r of orphans) {
      this.deps.log.info({ rollbackId: r.id, status: r.status }, 'resuming a rollback nobody was driving');
      await tell(this.deps, r, {
        type: 'Note',
        at: nowIso(this.deps.clock),
        fact: { kind: 'resuming', from: r.status },
      });
      void this.runner.drive(r.id, { resumed: true });
    }
    return orphans;
  }
}
