/** The live checklist in the card's thread: what is ticked and by whom, and buttons only for what a person may tick now. */
import type { Rollback } from '../../../../src/domain/rollback';
import { checklistMessage } from '../../../../src/slack/blocks/checklist';
import { ACTION } from '../../../../src/slack/ids';
import { approvedEvents, draftRollback, rollbackAfter } from '../../../support/fakes';

const AT = '2026-12-01T10:00:00.000Z';
type Button = { action_id: string; value: string; text: { text: string } };
const buttons = (blocks: Array<Record<string, unknown>>): Button[] =>
  (blocks.find((b) => b.type === 'actions')?.elements as Button[] | undefined) ?? [];

describe('checklistMessage', () => {
  it('counts what is done, and offers no button before the items’ time', () => {
    const r = rollbackAfter(draftRollback(AT), approvedEvents(AT));
    const m = checklistMessage(r);
    expect(m.text).toBe('Rollback checklist 2/9');
    const section = (m.blocks[0] as { text: { text: string } }).text.text;
    expect(section).toMatch(/^\*Rollback checklist\* — 2\/9\n:white_check_mark: Issue confirmed .* — the bot <!date/);
    expect(section).toContain(':white_check_mark: Previous stable version identified (v1) — the bot');
    expect(section).toContain(':white_square: Post-mortem scheduled');
    expect(buttons(m.blocks)).toEqual([]);
  });

  it('once the rollback ended: the ticket and post-mortem buttons, the ticket one only with a tracker', () => {
    const ended: Rollback = {
      ...rollbackAfter(draftRollback(AT), approvedEvents(AT)),
      status: 'cancelled',
      checklist: { message: null, ticks: [{ item: 'smoke_passing', by: 'U0IC', at: AT }] },
    };
    const ids = (opts?: { ticketTracker?: boolean }) =>
      buttons(checklistMessage(ended, opts).blocks).map((b) => b.action_id);
    expect(ids()).toEqual([`${ACTION.tick}:ticket_created`, ACTION.schedulePostmortem]);
    expect(ids({ ticketTracker: true })).toEqual([ACTION.createTicket, ACTION.schedulePostmortem]);
    expect(buttons(checklistMessage(ended).blocks).every((b) => b.value === 'rb-1')).toBe(true);
    const section = (checklistMessage(ended).blocks[0] as { text: { text: string } }).text.text;
    expect(section).toContain(':white_check_mark: Smoke tests passing after rollback — <@U0IC>');
  });
});
