/**
 * Step 5: Announce the resolution with the runbook's template, and remember the verified version so that a
 * later rollback can propose it.
 */
import { describeError } from '../domain/errors';
import type { Rollback, RollbackEvent } from '../domain/rollback.machine';
import { completionText } from '../domain/templates';
import { environmentOf, nowIso, type RunbookDeps } from './context';

export async function announceResolution(deps: RunbookDeps, rollback: Rollback): Promise<RollbackEvent> {
  const target = rollback.target ?? 'unknown';
  const at = nowIso(deps.clock);
  for (const s of environmentOf(deps.config, rollback).services) deps.store.recordVerifiedVersion(rollback.environment, s.name, target, at);
  try {
    const message = await deps.notifier.announce(rollback, completionText({ environment: rollback.environment, targetVersion: target }));
    return { type: 'ResolutionAnnounced', at: nowIso(deps.clock), message };
  } catch (err) {
    return { type: 'AnnouncementFailed', at: nowIso(deps.clock), step: 'complete', reason: `The resolution could not be posted: ${describeError(err)}` };
  }
}
