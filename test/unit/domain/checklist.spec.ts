import { checklistOf, tickRefusal } from '../../../src/domain/checklist';
import { newRollback, type Rollback } from '../../../src/domain/rollback';
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

describe('when a person may tick an item', () => {
  type Actions = { elements: Array<{ action_id: string }> } | undefined;
  const buttons = (r: Rollback) =>
    (checklistMessage(r).blocks.find((b) => b.type === 'actions') as Actions)?.elements.map((e) => e.action_id) ?? [];
  const awaiting: Rollback = {
    ...base,
    status: 'awaiting_approval',
    target: 'v1',
    steps: { ...base.steps, confirm: done(0, 3) },
  };

  it('offers nothing while the rollback awaits approval: the bot runs the smoke tests in Step 4 and ticks them itself', () => {
    expect(buttons(awaiting)).toEqual([]);
    expect(JSON.stringify(checklistMessage(awaiting).blocks)).toContain(
      'the smoke tests after Step 4 (unless the bot ran them), the ticket and the post-mortem once the rollback has ended.',
    );
    expect(tickRefusal(awaiting, 'smoke_passing')).toBe(
      'Smoke tests are ticked after Step 4: the bot runs the configured ones there and ticks this itself when they pass.',
    );
    expect(tickRefusal(awaiting, 'ticket_created')).toBe(
      'The incident ticket and the post-mortem come once the rollback has ended.',
    );
    expect(tickRefusal(awaiting, 'postmortem_scheduled')).toBe(
      'The incident ticket and the post-mortem come once the rollback has ended.',
    );
  });

  it('never offers what the bot ticks itself', () => {
    expect(tickRefusal(completed, 'health_passing')).toBe('The bot ticks this itself.');
    expect(tickRefusal(awaiting, 'rollback_executed')).toBe('The bot ticks this itself.');
    // Step 4 passed the configured smoke tests: the bot ticked it.
    expect(tickRefusal(completed, 'smoke_passing')).toBe('That is already ticked.');
  });

  it('offers the smoke tests once Step 4 is over without them ticked (none configured, or it failed)', () => {
    const none: Rollback = { ...completed, verification: { ...completed.verification!, smokeTests: [] } };
    expect(buttons(none)).toEqual([
      'rollback_tick:smoke_passing',
      'rollback_tick:ticket_created',
      'rollback_schedule_postmortem',
    ]);
    const failed: Rollback = {
      ...completed,
      status: 'failed',
      steps: {
        ...completed.steps,
        verify: { status: 'failed', startedAt: T(15), endedAt: T(16) },
        complete: { status: 'pending' },
      },
      verification: {
        ...completed.verification!,
        smokeTests: [{ name: 'home', url: 'u', ok: false, expectedStatus: 200, status: 500 }],
      },
    };
    expect(buttons(failed)).toEqual([
      'rollback_tick:smoke_passing',
      'rollback_tick:ticket_created',
      'rollback_schedule_postmortem',
    ]);
  });

  it('offers no smoke-test tick for a rollback that ended before Step 4 (cancelled)', () => {
    const cancelled: Rollback = { ...awaiting, status: 'cancelled', cancelledBy: 'U0IC' };
    expect(buttons(cancelled)).toEqual(['rollback_tick:ticket_created', 'rollback_schedule_postmortem']);
  });

  it('offers nothing during Step 3 and Step 4', () => {
    const verifying: Rollback = {
      ...awaiting,
      status: 'verifying',
      steps: {
        ...awaiting.steps,
        announce: done(10, 11),
        execute: done(11, 15),
        verify: { status: 'running', startedAt: T(15) },
      },
    };
    expect(buttons(verifying)).toEqual([]);
  });
});
