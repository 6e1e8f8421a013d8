/**
 * Post-rollback action 1: "Create incident ticket with timeline, impact, and root cause hypothesis".
 */
import { environmentNamed } from '../../config/config.schema';
import { describeError } from '../../domain/errors';
import { redactSecrets } from '../../domain/redact';
import type { Rollback } from '../../domain/rollback';
import { BOT_REQUESTER, statusWords } from '../../domain/rollback';
import type { TimelineEntry } from '../../ports';
import { nowIso, type RunbookDeps } from '../engine/context';
import { tell } from '../policies/audience';
import { record } from '../engine/record';
import { markdownTimeline, peopleIn } from './timeline';

export function ticketFor(
  r: Rollback,
  entries: TimelineEntry[],
  names: ReadonlyMap<string, string> = new Map(),
): { title: string; body: string } {
  const title =
    `Incident: ${r.environment} rolled back to ${r.target ?? '?'} (${statusWords(r.status)}) — ${r.reason || r.id}`.slice(
      0,
      250,
    );
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
    markdownTimeline(r, entries, names).replace(/^# /, '## '),
  ].join('\n');
  return { title, body };
}

/**
 * GitHub turns `@name` into a notification and `@org/team` into a team ping: text that reached the ticket from a
 * reason or an error must not page anyone there. A word joiner after `@` keeps it readable and inert.
 */
export function inertMentions(text: string): string {
  return text.replace(/@(?=[A-Za-z0-9_-])/g, '@\u2060');
}

/**
 * Opens the incident ticket and ticks the checklist item with its link. `by` is the incident commander who pressed
 * the button, or the bot (auto). The tick is taken first (compare-and-set), so two quick clicks — or the automatic
 * ticket and a click — open one ticket; if GitHub refuses, the tick is taken back. Returns the ticket's address, or
 * why there is none.
 */
export async function openTicket(
  deps: RunbookDeps,
  id: string,
  by: string,
): Promise<{ url: string } | { error: string }> {
  const r = await deps.rollbacks.get(id);
  if (!r) return { error: `There is no rollback \`${id}\`.` };
  const tracker = deps.ticketsFor?.(r.environment);
  const env = environmentNamed(deps.config, r.environment);
  if (!tracker || !env?.tickets)
    return { error: `No ticket tracker is configured for ${r.environment}: create the ticket by hand, then tick it.` };
  const claim = { type: 'ChecklistItemTicked', at: nowIso(deps.clock), by, item: 'ticket_created' } as const;
  // Taken quietly: the thread hears of the ticket once it is open (or of it being given back).
  const claimed = await record(deps, id, claim, { tell: false });
  if (!claimed.ok) return { error: 'The incident ticket was already created.' };
  try {
    const entries = await deps.rollbacks.timeline(id);
    // Names, not ids: the ticket is read outside Slack. Without them (no users:read) the ids stay.
    const names = await deps.directory
      .displayNames(peopleIn(claimed.rollback, entries))
      .catch(() => new Map<string, string>());
    const { title, body } = ticketFor(claimed.rollback, entries, names);
    const clean = (text: string) => inertMentions(deps.redactor ? deps.redactor.text(text) : redactSecrets(text, []));
    const url = await tracker.open({ title: clean(title), body: clean(body), labels: env.tickets.github.labels });
    const linked = await record(deps, id, { type: 'TicketLinked', at: nowIso(deps.clock), url });
    const now = linked.ok ? linked.rollback : claimed.rollback;
    await tell(deps, now, claim);
    await tell(deps, now, {
      type: 'Note',
      at: nowIso(deps.clock),
      fact: { kind: 'ticket_opened', url },
    });
    return { url };
  } catch (err) {
    deps.log.warn({ err, rollbackId: id }, 'could not open the incident ticket');
    const why = `the incident ticket could not be created (${describeError(err)})`;
    await record(deps, id, { type: 'ChecklistItemUnticked', at: nowIso(deps.clock), item: 'ticket_created', why });
    return { error: `The incident ticket could not be created: ${describeError(err)}` };
  }
}

/** With `tickets.auto`, the incident ticket is opened as soon as an approved rollback has really ended. */
export async function autoTicket(deps: RunbookDeps, r: Rollback): Promise<void> {
  const ended =
    (r.status === 'completed' && r.steps.complete.status !== 'running') ||
    r.status === 'failed' ||
    r.status === 'interrupted';
  if (!ended || !r.approvedBy || r.dryRun || !environmentNamed(deps.config, r.environment)?.tickets?.auto) return;
  if (r.checklist.ticks.some((t) => t.item === 'ticket_created')) return;
  const opened = await openTicket(deps, r.id, BOT_REQUESTER);
  if ('error' in opened) deps.log.warn({ rollbackId: r.id, error: opened.error }, 'automatic ticket not opened');
}
