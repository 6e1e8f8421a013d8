/** The live checklist message in the card's thread. */
import { checklistOf, tickRefusal } from '../../domain/checklist';
import type { Rollback } from '../../domain/rollback';
import { ACTION } from '../ids';
import { type Block, context, LIMITS, section, slackDate, truncate } from './limits';

export function checklistMessage(
  r: Rollback,
  opts: { ticketTracker?: boolean } = {},
): { text: string; blocks: Block[] } {
  const items = checklistOf(r);
  const lines = items.map((i) => {
    const box = i.done ? ':white_check_mark:' : ':white_square:';
    const who = i.done ? (i.by ? ` — <@${i.by}>` : ' — the bot') : '';
    const when = i.done && i.at ? ` ${slackDate(i.at)}` : '';
    const note = i.note ? ` (${i.note})` : '';
    return `${box} ${i.label}${note}${who}${when}`;
  });
  const done = items.filter((i) => i.done).length;
  const text = `*Rollback checklist* — ${done}/${items.length}\n${lines.join('\n')}`;
  // Only what a person may tick now: never what the bot will tick itself, nothing before the step it follows.
  const open = items.filter((i) => !i.done && tickRefusal(r, i.key) === null);
  const blocks: Block[] = [section(text)];
  if (open.length > 0) {
    blocks.push({
      type: 'actions',
      elements: open.map((i) =>
        // The post-mortem button schedules the reminders (and ticks the item); the others only tick.
        i.key === 'postmortem_scheduled'
          ? {
              type: 'button',
              action_id: ACTION.schedulePostmortem,
              text: { type: 'plain_text', text: 'Schedule post-mortem' },
              value: r.id,
            }
          : i.key === 'ticket_created' && opts.ticketTracker
            ? {
                type: 'button',
                action_id: ACTION.createTicket,
                text: { type: 'plain_text', text: 'Create incident ticket' },
                value: r.id,
              }
            : {
                type: 'button',
                action_id: `${ACTION.tick}:${i.key}`,
                text: { type: 'plain_text', text: truncate(`Done: ${i.label}`, LIMITS.buttonText) },
                value: r.id,
              },
      ),
    });
  }
  blocks.push(
    context(
      'Incident commanders tick what the bot cannot do itself, each when its time comes: the smoke tests after Step 4 (unless the bot ran them), the ticket and the post-mortem once the rollback has ended.',
    ),
  );
  return { text: truncate(`Rollback checklist ${done}/${items.length}`, LIMITS.messageText), blocks };
}
