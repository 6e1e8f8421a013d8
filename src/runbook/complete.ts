/**
 * Step 5: Announce the resolution with the runbook's template, and remember the verified version so that a
 * later rollback can propose it.
 */
import { describeError } from '../domain/errors';
import type { Rollback, RollbackEvent } from '../domain/rollback.machine';
import { completionText } from '../domain/templates';
import { mentionsOf } from '../domain/mentions';
import { alreadyAnnounced } from './announce';
import { environmentOf, nowIso, type RunbookDeps } from './context';

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
  const text = `:memo: Reminder: the RCA for rollback ${rollback.id} of ${rollback.environment} is due within the hour (by ${due.toISOString()}). ${mentionsOf(environmentOf(deps.config, rollback).incident_commanders ?? deps.config.roles.incident_commanders)}`;
  try {
    await deps.notifier.schedule(rollback.channel, text, new Date(deps.clock.now().getTime() + RCA_REMINDER_AFTER_MS));
  } catch (err) {
    deps.log.warn({ err, rollbackId: rollback.id }, 'could not schedule the RCA reminder');
  }
}
