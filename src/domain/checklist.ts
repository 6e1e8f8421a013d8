/**
 * The runbook's "Rollback Checklist". The bot ticks what it did itself (from the rollback's steps, with the time);
 * the rest is ticked by an incident commander, and who did it is recorded.
 */
import { type ChecklistKey, CHECKLIST, MANUAL_ITEMS } from './checklist-items';
import { BOT_REQUESTER, isTerminal, type Rollback } from './rollback';

export { CHECKLIST, type ChecklistKey, MANUAL_ITEMS } from './checklist-items';

export interface ChecklistItem {
  key: ChecklistKey;
  label: string;
  done: boolean;
  /** A user id, or null when the bot ticked it. */
  by: string | null;
  at: string | null;
  note?: string;
}

export function checklistOf(r: Rollback): ChecklistItem[] {
  const s = r.steps;
  const auto: Partial<Record<ChecklistKey, { at: string | undefined; note?: string } | null>> = {
    issue_confirmed: s.confirm.status === 'done' ? { at: s.confirm.endedAt } : null,
    version_identified: s.confirm.status === 'done' && r.target ? { at: s.confirm.endedAt, note: r.target } : null,
    team_notified: s.announce.status === 'done' ? { at: s.announce.endedAt } : null,
    rollback_executed: s.execute.status === 'done' ? { at: s.execute.endedAt } : null,
    health_passing: s.verify.status === 'done' && r.verification?.health.ok ? { at: s.verify.endedAt } : null,
    smoke_passing:
      s.verify.status === 'done' &&
      (r.verification?.smokeTests.length ?? 0) > 0 &&
      r.verification?.smokeTests.every((t) => t.ok)
        ? { at: s.verify.endedAt, note: `${r.verification?.smokeTests.length} passed` }
        : null,
    resolution_announced: s.complete.status === 'done' ? { at: s.complete.endedAt } : null,
  };
  return CHECKLIST.map(({ key, label }) => {
    const tick = r.checklist.ticks.find((t) => t.item === key);
    if (tick)
      return { key, label, done: true, by: tick.by === BOT_REQUESTER ? null : tick.by, at: tick.at, note: tick.link };
    const a = auto[key];
    if (a) return { key, label, done: true, by: null, at: a.at ?? null, note: a.note };
    const note =
      key === 'smoke_passing' && s.verify.status === 'done' && (r.verification?.smokeTests.length ?? 0) === 0
        ? 'no smoke tests configured'
        : undefined;
    return { key, label, done: false, by: null, at: null, note };
  });
}

/**
 * Why a person may not tick `key` now, or null when they may: never what the bot ticks itself, and each item only
 * once what it follows is over. The smoke tests come after Step 4 (the bot runs the configured ones there and ticks
 * the item itself when they pass; a person ticks it when none are configured, or after checking by hand what failed);
 * the incident ticket and the post-mortem once the rollback has ended (the ticket carries its whole timeline).
 */
export function tickRefusal(r: Rollback, key: ChecklistKey): string | null {
  if (!MANUAL_ITEMS.includes(key)) return 'The bot ticks this itself.';
  if (checklistOf(r).find((i) => i.key === key)?.done) return 'That is already ticked.';
  if (key === 'smoke_passing')
    return r.steps.verify.status === 'done' || r.steps.verify.status === 'failed'
      ? null
      : 'Smoke tests are ticked after Step 4: the bot runs the configured ones there and ticks this itself when they pass.';
  return isTerminal(r.status) ? null : 'The incident ticket and the post-mortem come once the rollback has ended.';
}
