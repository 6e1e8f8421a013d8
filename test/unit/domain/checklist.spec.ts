import { checklistOf } from '../../../src/domain/checklist';
import { newRollback, type Rollback } from '../../../src/domain/rollback.machine';
import { checklistMessage } from '../../../src/slack/blocks/checklist';

const T = (s: number) => new Date(Date.parse('2026-11-26T10:00:00.000Z') + s * 1000).toISOString();
const base = newRollback({
  id: 'rb-1',
  environment: 'production',
  channel: 'C1',
  requestedBy: 'U1',
  at: T(0),
  reason: '',
  requestedTarget: null,
});
const done = (a: number, b: number) => ({ status: 'done' as const, startedAt: T(a), endedAt: T(b) });
const completed: Rollback = {
  ...base,
  status: 'completed',
  target: 'v1',
  steps: {
    confirm: done(0, 3),
    announce: done(10, 11),
    execute: done(11, 15),
    verify: done(15, 16),
    complete: done(16, 17),
  },
  verification: {
    health: { url: 'h', ok: true, attempts: 1, status: 200, version: 'v1' },
    smokeTests: [{ name: 'home', url: 'u', ok: true, expectedStatus: 200, status: 200 }],
  },
};

describe('the rollback checklist', () => {
  it('is ticked by the bot for what it did, with the time', () => {
    const items = checklistOf(completed);
    expect(items.filter((i) => i.done).map((i) => [i.key, i.by, i.at])).toEqual([
      ['issue_confirmed', null, T(3)],
      ['version_identified', null, T(3)],
      ['team_notified', null, T(11)],
      ['rollback_executed', null, T(15)],
      ['health_passing', null, T(16)],
      ['smoke_passing', null, T(16)],
      ['resolution_announced', null, T(17)],
    ]);
    expect(items.filter((i) => !i.done).map((i) => i.key)).toEqual(['ticket_created', 'postmortem_scheduled']);
  });

  it('records who ticked what by hand', () => {
    const r = {
      ...completed,
      checklist: { message: null, ticks: [{ item: 'ticket_created' as const, by: 'U0IC', at: T(60) }] },
    };
    expect(checklistOf(r).find((i) => i.key === 'ticket_created')).toMatchObject({ done: true, by: 'U0IC', at: T(60) });
  });

  it('does not tick smoke tests that were not configured, and says so', () => {
    const r = { ...completed, verification: { ...completed.verification!, smokeTests: [] } };
    expect(checklistOf(r).find((i) => i.key === 'smoke_passing')).toMatchObject({
      done: false,
      note: 'no smoke tests configured',
    });
  });

  it('renders a button for each item a person still has to do (the post-mortem one schedules its reminders)', () => {
    const { blocks, text } = checklistMessage(completed);
    expect(text).toBe('Rollback checklist 7/9');
    const actions = blocks.find((b) => b.type === 'actions') as {
      elements: Array<{ action_id: string; value: string }>;
    };
    expect(actions.elements.map((e) => [e.action_id, e.value])).toEqual([
      ['rollback_tick:ticket_created', 'rb-1'],
      ['rollback_schedule_postmortem', 'rb-1'],
    ]);
  });
});
