/**
 * Step 2: Announce the rollback (1 minute), in the incident channel, with the runbook's template.
 * Nothing has changed in production yet, so a failure here stops the rollback cleanly.
 */
import { describeError } from '../domain/errors';
import type { Rollback, RollbackEvent } from '../domain/rollback.machine';
import { announceText, currentVersionOf, NO_REASON } from '../domain/templates';
import { etaFromBudgets } from './budgets';
import { environmentOf, nowIso, type RunbookDeps } from './context';

export function announcementFor(deps: Pick<RunbookDeps, 'config'>, rollback: Rollback): string {
  const env = environmentOf(deps.config, rollback);
  return announceText({
    environment: rollback.environment,
    currentVersion: currentVersionOf(rollback.findings?.services ?? []),
    targetVersion: rollback.target ?? 'unknown',
    reason: rollback.reason || NO_REASON,
    eta: env.eta ?? etaFromBudgets(env.budgets),
  });
}

export async function announceRollback(deps: RunbookDeps, rollback: Rollback): Promise<RollbackEvent> {
  try {
    const message = await deps.notifier.announce(rollback, announcementFor(deps, rollback));
    return { type: 'RollbackAnnounced', at: nowIso(deps.clock), message };
  } catch (err) {
    return { type: 'AnnouncementFailed', at: nowIso(deps.clock), step: 'announce', reason: `The announcement could not be posted: ${describeError(err)}` };
  }
}
