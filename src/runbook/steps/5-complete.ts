/**
 * Step 5: Announce the resolution with the runbook's template, and remember the verified version so that a
 * later rollback can propose it.
 */
import { describeError } from '../../domain/errors';
import type { Rollback } from '../../domain/rollback';
import type { RollbackEvent } from '../../domain/rollback.events';
import { completionText } from '../../domain/templates';
import { alreadyAnnounced } from './2-announce';
import { environmentOf, nowIso, type RunbookDeps } from '../engine/context';
import { reminderAudience } from '../policies/audience';

export async function announceResolution(
  deps: RunbookDeps,
  rollback: Rollback,
  resumed = false,
): Promise<RollbackEvent> {
  const target = rollback.target ?? 'unknown';
  const at = nowIso(deps.clock);
  for (const s of rollback.findings?.services ??
    environmentOf(deps.config, rollback).services.map((x) => ({ service: x.name }))) {
    await deps.verified.recordVerifiedVersion(rollback.environment, s.service, target, at);
  }
  // CI's report of deploying the target, if any, now counts as seen healthy (a later proposal may go back to it).
  await deps.deploys?.markDeployVerified(rollback.environment, target, at).catch((err: unknown) => {
    deps.log.warn({ err, rollbackId: rollback.id }, 'could not mark the deploy report as seen healthy');
  });
  try {
    const found = resumed ? await alreadyAnnounced(deps, rollback, 'complete') : null;
    if (found) return { type: 'ResolutionAnnounced', at: nowIso(deps.clock), message: found };
    const message = await deps.notifier.announce(
      rollback,
      completionText({ environment: rollback.environment, targetVersion: target }),
      'complete',
    );
    await scheduleRcaReminder(deps, rollback);
    return { type: 'ResolutionAnnounced', at: nowIso(deps.clock), message };
  } catch (err) {
    return {
      type: 'AnnouncementFailed',
      at: nowIso(deps.clock),
      step: 'complete',
      reason: `The resolution could not be posted: ${describeError(err)}`,
    };
  }
}

/** "Next steps: RCA will be conducted within 24 hours": a reminder in the channel an hour before that is due. */
export const RCA_REMINDER_AFTER_MS = 23 * 3_600_000;

async function scheduleRcaReminder(deps: RunbookDeps, rollback: Rollback): Promise<void> {
  const due = new Date(deps.clock.now().getTime() + 24 * 3_600_000);
  const reminder = {
    kind: 'rca_due',
    rollbackId: rollback.id,
    environment: rollback.environment,
    due: due.toISOString(),
  } as const;
  try {
    await deps.notifier.schedule(
      rollback.channel,
      reminder,
      new Date(deps.clock.now().getTime() + RCA_REMINDER_AFTER_MS),
      reminderAudience(reminder),
    );
  } catch (err) {
    deps.log.warn({ err, rollbackId: rollback.id }, 'could not schedule the RCA reminder');
  }
}
