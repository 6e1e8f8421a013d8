/**
 * The runbook's "Rollback Checklist". The bot ticks what it did itself (from the rollback's steps, with the time);
 * the rest is ticked by an incident commander, and who did it is recorded.
 */
import { BOT_REQUESTER, type Rollback } from './rollback.machine';

export const CHECKLIST = [
  { key: 'issue_confirmed', label: 'Issue confirmed (health checks, error rates, user reports)' },
  { key: 'version_identified', label: 'Previous stable version identified' },
  { key: 'team_notified', label: 'Team notified in incident channel' },
  { key: 'rollback_executed', label: 'Rollback executed' },
  { key: 'health_passing', label: 'Health checks passing after rollback' },
  { key: 'smoke_passing', label: 'Smoke tests passing after rollback' },
  { key: 'resolution_announced', label: 'Resolution announced' },
  { key: 'ticket_created', label: 'Incident ticket created' },
  { key: 'postmortem_scheduled', label: 'Post-mortem scheduled' },
] as const;
export type ChecklistKey = (typeof CHECKLIST)[number]['key'];

/** Items only a person can tick (the bot does not do them itself). */
export const MANUAL_ITEMS: readonly ChecklistKey[] = ['ticket_created', 'postmortem_scheduled', 'smoke_passing'];

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
