/**
 * The one commit path. An event goes through the state machine and is saved with compare-and-set; only once it is
 * stored is the channel told (card and thread), on-call paged where the escalation rules say so, and the after-care
 * the config asks for started (the automatic incident ticket). A lost race is a rejection, and nothing is said.
 */
import type { RollbackEvent } from '../../domain/rollback.events';
import { type Applied, applyEvent, type RunbookDeps } from './context';
import { tell } from '../policies/audience';
import { escalate } from '../policies/escalate';

export interface RecordOptions {
  /**
   * False for bookkeeping the channel already sees (the card or the checklist just posted, or no card to tell yet).
   */
  tell?: boolean;
}

export async function record(
  deps: RunbookDeps,
  id: string,
  event: RollbackEvent,
  options: RecordOptions = {},
): Promise<Applied> {
  const applied = await applyEvent(deps.rollbacks, id, event);
  if (!applied.ok) return applied;
  deps.telemetry?.rollbackMoved(applied.previous, applied.rollback);
  deps.changed?.(applied.rollback.environment);
  if (options.tell !== false) await tell(deps, applied.rollback, event);
  await escalate(deps, applied.rollback, event);
  if (deps.afterCare) {
    try {
      await deps.afterCare(applied.rollback);
    } catch (err) {
      deps.log.warn({ err, rollbackId: id }, 'after-care failed');
    }
  }
  return applied;
}
