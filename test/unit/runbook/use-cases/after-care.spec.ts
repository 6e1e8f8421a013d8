/** After a rollback, on the in-memory world: the checklist ticks, the post-mortem reminders, the ticket, the lock and the mark. */
import { AfterCare } from '../../../../src/runbook/use-cases/after-care';
import { Approvals } from '../../../../src/runbook/use-cases/approval';
import { RecordingNotifier, unitConfig, unitWorld, type UnitWorld } from '../../../support/fakes';
import { awaitingApproval, useCaseContext } from '../../../support/use-case-fakes';

/** rb-1 approved by U0IC and run to its end (v2 → v1). */
async function completed(w: UnitWorld): Promise<AfterCare> {
  const ctx = useCaseContext(w);
  await awaitingApproval(w);
  await new Approvals(ctx).approve('rb-1', 'U0IC');
  await ctx.runner.idle();
  expect((await w.store.get('rb-1'))?.status).toBe('completed');
  return new AfterCare(ctx);
}

const ticked = async (w: UnitWorld, id = 'rb-1') => (await w.store.get(id))?.checklist.ticks.map((t) => t.item);

describe('AfterCare.tick', () => {
  it('records who ticked an item a person ticks, once', async () => {
    const w = unitWorld();
    const care = await completed(w);
    expect(await care.tick('rb-1', 'U0IC', 'smoke_passing')).toMatchObject({ kind: 'ok' });
    expect((await w.store.get('rb-1'))?.checklist.ticks).toEqual([
      expect.objectContaining({ item: 'smoke_passing', by: 'U0IC' }),
    ]);
    expect(await care.tick('rb-1', 'U0IC', 'smoke_passing')).toEqual({
      kind: 'refused',
      message: 'That is already ticked.',
    });
  });

  it('refuses an item the bot ticks itself, and anyone who is not an incident commander', async () => {
    const w = unitWorld();
    const care = await completed(w);
    expect(await care.tick('rb-1', 'U0IC', 'rollback_executed')).toEqual({
      kind: 'refused',
      message: 'The bot ticks this itself.',
    });
    expect(await care.tick('rb-1', 'U0ONCALL', 'smoke_passing')).toMatchObject({ kind: 'refused' });
    expect(await ticked(w)).toEqual([]);
  });
});

describe('AfterCare.schedulePostmortem', () => {
  it('schedules the reminders 24 h and 48 h after the end, once', async () => {
    const w = unitWorld();
    const care = await completed(w);
    const ended = Date.parse((await w.store.get('rb-1'))?.endedAt ?? '');
    const postMortem = () => w.notifier.scheduled.filter((s) => s.reminder.kind === 'post_mortem');
    expect(await care.schedulePostmortem('rb-1', 'U0IC')).toMatchObject({ kind: 'ok' });
    expect(
      postMortem().map((s) => [
        s.channel,
        s.reminder.kind === 'post_mortem' && s.reminder.hours,
        s.postAt.getTime() - ended,
      ]),
    ).toEqual([
      ['C0INCIDENT', 24, 24 * 3_600_000],
      ['C0INCIDENT', 48, 48 * 3_600_000],
    ]);
    expect(await care.schedulePostmortem('rb-1', 'U0IC')).toEqual({
      kind: 'refused',
      message: 'The post-mortem reminders are already scheduled.',
    });
    expect(postMortem()).toHaveLength(2);
  });

  it('gives the tick back when Slack refuses the reminders', async () => {
    const notifier = new RecordingNotifier();
    notifier.schedule = async () => {
      throw new Error('time_in_past');
    };
    const w = unitWorld(undefined, { notifier });
    const care = await completed(w);
    expect(await care.schedulePostmortem('rb-1', 'U0IC')).toEqual({
      kind: 'refused',
      message: 'The reminders could not be scheduled: time_in_past',
    });
    expect(await ticked(w)).toEqual([]);
  });

  it('waits for the rollback to end', async () => {
    const w = unitWorld();
    await awaitingApproval(w);
    const care = new AfterCare(useCaseContext(w));
    expect(await care.schedulePostmortem('rb-1', 'U0IC')).toEqual({
      kind: 'refused',
      message: 'Schedule the post-mortem once the rollback has ended.',
    });
  });
});

describe('AfterCare.createTicket', () => {
  it('says to create it by hand where no tracker is configured', async () => {
    const w = unitWorld();
    const care = await completed(w);
    expect(await care.createTicket('rb-1', 'U0IC')).toEqual({
      kind: 'refused',
      message: 'No ticket tracker is configured for production: create the ticket by hand, then tick it.',
    });
  });

  it('opens the ticket once, links it and ticks the item', async () => {
    const opened: string[] = [];
    const w = unitWorld(unitConfig({ tickets: { github: { repo: 'acme/shop', token: 'ghp_x' } } }), {
      ticketsFor: () => ({
        open: async (t) => {
          opened.push(t.title);
          return 'https://github.example/acme/shop/issues/7';
        },
      }),
    });
    const care = await completed(w);
    expect(await care.createTicket('rb-1', 'U0IC')).toMatchObject({
      kind: 'ok',
      rollback: {
        checklist: {
          ticks: [{ item: 'ticket_created', by: 'U0IC', link: 'https://github.example/acme/shop/issues/7' }],
        },
      },
    });
    expect(await care.createTicket('rb-1', 'U0IC')).toEqual({
      kind: 'refused',
      message: 'The incident ticket was already created.',
    });
    expect(opened).toHaveLength(1);
  });
});

describe('AfterCare.releaseLock, clearRootCause and unlock', () => {
  it('clears the mark a completed rollback left, from the card or by environment', async () => {
    const w = unitWorld();
    const care = await completed(w);
    expect(await w.store.marks('production')).toHaveLength(1);
    expect(await care.unlock('production', 'U0IC', 'bad config found')).toMatchObject({
      kind: 'ok',
      rollback: { rootCauseCleared: expect.objectContaining({ by: 'U0IC' }) },
    });
    expect(await w.store.marks('production')).toEqual([]);
    expect(await care.unlock('production', 'U0IC', '')).toEqual({
      kind: 'refused',
      message: 'production is not locked: deploys may go ahead.',
    });
    expect(await care.unlock('staging', 'U0IC', '')).toEqual({
      kind: 'refused',
      message: 'There is no environment `staging` in the config.',
    });
  });

  it('keeps deploys locked while a rollback is in progress, and has nothing to release or clear before Step 3', async () => {
    const w = unitWorld();
    await awaitingApproval(w);
    const care = new AfterCare(useCaseContext(w));
    expect(await care.unlock('production', 'U0IC', '')).toMatchObject({
      kind: 'refused',
      message: expect.stringMatching(/^production has a rollback in progress \(rb-1, awaiting approval\)/),
    });
    expect(await care.releaseLock('rb-1', 'U0IC')).toEqual({
      kind: 'refused',
      message: 'Nothing to release: this rollback is awaiting approval.',
    });
    expect(await care.clearRootCause('rb-1', 'U0IC')).toEqual({
      kind: 'refused',
      message: 'Nothing to clear: this rollback is awaiting approval.',
    });
    expect(await care.clearRootCause('rb-1', 'U0ONCALL')).toMatchObject({ kind: 'refused' });
  });
});
