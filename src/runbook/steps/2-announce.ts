/**
 * Step 2: Announce the rollback (1 minute), in the incident channel, with the runbook's template.
 * Nothing has changed in production yet, so a failure here stops the rollback cleanly.
 */
import { describeError } from '../../domain/errors';
import type { MessageRef, Rollback } from '../../domain/rollback';
import type { RollbackEvent } from '../../domain/rollback.events';
import type { AnnouncementStep } from '../../ports';
import { announceText, currentVersionOf, NO_REASON } from '../../domain/templates';
import { etaFromBudgets } from '../policies/budgets';
import { environmentOf, nowIso, type RunbookDeps } from '../engine/context';

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

/**
 * When the rollback was picked up after its driver stopped, the announcement may already be in the channel (posted
 * just before the bot died, not yet recorded): it is looked for first, and posted only when it is not there.
 */
export async function alreadyAnnounced(
  deps: RunbookDeps,
  rollback: Rollback,
  step: AnnouncementStep,
): Promise<MessageRef | null> {
  const since = rollback.steps[step === 'announce' ? 'announce' : 'verify'].startedAt ?? rollback.requestedAt;
  try {
    return await deps.notifier.findAnnouncement(rollback, step, new Date(since));
  } catch (err) {
    // Not knowing is no reason to stay silent: the channel must hear of the rollback, even twice.
    deps.log.warn(
      { err, rollbackId: rollback.id, step },
      'could not look for an earlier announcement (scope channels:history / groups:history?); posting it',
    );
    return null;
  }
}

export async function announceRollback(deps: RunbookDeps, rollback: Rollback, resumed = false): Promise<RollbackEvent> {
  try {
    const found = resumed ? await alreadyAnnounced(deps, rollback, 'announce') : null;
    if (found) return { type: 'RollbackAnnounced', at: nowIso(deps.clock), message: found };
    const message = await deps.notifier.announce(rollback, announcementFor(deps, rollback), 'announce');
    return { type: 'RollbackAnnounced', at: nowIso(deps.clock), message };
  } catch (err) {
    return {
      type: 'AnnouncementFailed',
      at: nowIso(deps.clock),
      step: 'announce',
      reason: `The announcement could not be posted: ${describeError(err)}`,
    };
  }
}
