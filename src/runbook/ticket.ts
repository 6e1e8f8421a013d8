/**
 * Post-rollback action 1: "Create incident ticket with timeline, impact, and root cause hypothesis".
 */
import { environmentNamed } from '../config/config.schema';
import { describeError } from '../domain/errors';
import { redactSecrets } from '../domain/redact';
import type { Rollback } from '../domain/rollback.machine';
import { statusWords } from '../domain/rollback.machine';
import type { TimelineEntry } from '../ports';
import { applyEvent, nowIso, type RunbookDeps } from './context';
import { markdownTimeline } from './timeline';

export function ticketFor(r: Rollback, entries: TimelineEntry[]): { title: string; body: string } {
  const title = `Incident: ${r.environment} rolled back to ${r.target ?? '?'} (${statusWords(r.status)}) — ${r.reason || r.id}`.slice(0, 250);
  const body = [
    '## Impact',
    '',
    '- Users affected: _to fill in_',
    '- Duration of impact: _to fill in_',
    `- Services: ${(r.findings?.services ?? []).map((s) => `${s.service} ${s.version ?? '?'}`).join(', ') || 'unknown'} → ${r.target ?? 'none'}`,
    '',
    '## Root cause hypothesis',
    '',
    '_What is believed to have gone wrong, and how to confirm it. Investigate before re-attempting the deployment, and add a regression test for the failure._',
    '',
    markdownTimeline(r, entries).replace(/^# /, '## '),
  ].join('\n');
  return { title, body };
}

/**
 * Opens the incident ticket and ticks the checklist item with its link. `by` is the incident commander who pressed
 * the button, or the bot (auto). Returns the ticket's address, or why there is none.
 */
export async function openTicket(deps: RunbookDeps, id: string, by: string): Promise<{ url: string } | { error: string }> {
  const r = deps.store.get(id);
  if (!r) return { error: `There is no rollback \`${id}\`.` };
  if (r.checklist.ticks.some((t) => t.item === 'ticket_created')) return { error: 'The incident ticket was already created.' };
  const tracker = deps.ticketsFor?.(r.environment);
  const env = environmentNamed(deps.config, r.environment);
  if (!tracker || !env?.tickets) return { error: `No ticket tracker is configured for ${r.environment}: create the ticket by hand, then tick it.` };
  try {
    const { title, body } = ticketFor(r, deps.store.timeline(id));
    const url = await tracker.open({ title, body: redactSecrets(body, []), labels: env.tickets.github.labels });
    const event = { type: 'ChecklistItemTicked', at: nowIso(deps.clock), by, item: 'ticket_created', link: url } as const;
    const applied = applyEvent(deps.store, id, event);
    if (applied.ok) {
      await deps.notifier.progress(applied.rollback, event);
      await deps.notifier.progress(applied.rollback, { type: 'Note', at: event.at, text: `:ticket: Incident ticket: ${url}` });
    }
    return { url };
  } catch (err) {
    deps.log.warn({ err, rollbackId: id }, 'could not open the incident ticket');
    return { error: `The incident ticket could not be created: ${describeError(err)}` };
  }
}
