/** What people can read, on the in-memory world: history and timelines for the incident team, status, the deploy gate. */
import { REDACTED, Redactor } from '../../../../src/domain/redact';
import { AfterCare } from '../../../../src/runbook/use-cases/after-care';
import { Approvals } from '../../../../src/runbook/use-cases/approval';
import { Queries } from '../../../../src/runbook/use-cases/queries';
import { unitWorld, type UnitWorld } from '../../../support/fakes';
import { awaitingApproval, useCaseContext } from '../../../support/use-case-fakes';

const inChannel = { userId: 'U0ANYONE', channelId: 'C0INCIDENT' };
const outsider = { userId: 'U0ANYONE', channelId: 'C0RANDOM' };
const icElsewhere = { userId: 'U0IC', channelId: 'C0RANDOM' };

async function completedWorld(): Promise<{ w: UnitWorld; q: Queries }> {
  const w = unitWorld();
  const ctx = useCaseContext(w);
  await awaitingApproval(w);
  await new Approvals(ctx).approve('rb-1', 'U0IC');
  await ctx.runner.idle();
  return { w, q: new Queries(ctx) };
}

describe('Queries.history and timeline', () => {
  it('give the incident channel and incident commanders the story, and no one else', async () => {
    const { q } = await completedWorld();
    expect((await q.history('production', inChannel)).map((r) => r.id)).toEqual(['rb-1']);
    expect((await q.history(null, icElsewhere)).map((r) => r.id)).toEqual(['rb-1']);
    expect(await q.history(null, outsider)).toEqual([]);

    const shown = await q.timeline('rb-1', icElsewhere);
    expect(shown.kind).toBe('ok');
    expect(shown.kind === 'ok' && shown.markdown).toContain('rb-1');
    expect(await q.timeline('rb-1', outsider)).toEqual({
      kind: 'refused',
      message:
        'The timeline of rb-1 is for the incident team: ask in the incident channel of production, or ask an incident commander.',
    });
    expect(await q.timeline('rb-nope', inChannel)).toEqual({
      kind: 'refused',
      message: 'There is no rollback `rb-nope`.',
    });
  });

  it('redacts the timeline with the redactor, when there is one', async () => {
    // The requester's id stands in for a secret that made it into the story.
    const w = unitWorld(undefined, { redactor: new Redactor(['U0ONCALL']) });
    await awaitingApproval(w);
    const shown = await new Queries(useCaseContext(w)).timeline('rb-1', inChannel);
    expect(shown.kind === 'ok' && shown.markdown).toContain(REDACTED);
    expect(shown.kind === 'ok' && shown.markdown).not.toContain('U0ONCALL');
  });
});

describe('Queries.deployGate', () => {
  it('is open with no rollback, shut while one is in progress and after one completed, until the mark is cleared', async () => {
    const w = unitWorld();
    const ctx = useCaseContext(w);
    const q = new Queries(ctx);
    expect(await q.deployGate('production')).toEqual({ environment: 'production', open: true });
    expect(await q.deployGate('staging')).toBeNull();
    await awaitingApproval(w);
    expect(await q.deployGate('production')).toMatchObject({
      open: false,
      reason: 'rollback_in_progress',
      rollback: { id: 'rb-1' },
      clear: { incident_commanders: ['U0IC', 'U0IC2'] },
    });
    await new Approvals(ctx).approve('rb-1', 'U0IC');
    await ctx.runner.idle();
    const shut = await q.deployGate('production');
    expect(shut).toMatchObject({ open: false, reason: 'rolled_back' });
    expect(shut?.open === false && shut.clear.how).toEqual([
      'press "Root cause investigated: clear the mark" on the card',
      '`/rollback unlock production [reason]` in Slack',
    ]);
    await new AfterCare(ctx).unlock('production', 'U0IC', 'fixed');
    expect(await q.deployGate('production')).toEqual({ environment: 'production', open: true });
  });
});

describe('Queries.status', () => {
  it('lists what is active with the replica driving it, what ended, and the marked environments', async () => {
    const w = unitWorld();
    const ctx = useCaseContext(w);
    const q = new Queries(ctx);
    await awaitingApproval(w);
    await w.store.claim('rb-1', 'bot-2#boot9', w.clock.now().getTime() + 60_000, w.clock.now().getTime());
    const during = await q.status();
    expect(during.active.map((r) => r.id)).toEqual(['rb-1']);
    expect([...during.drivers]).toEqual([['rb-1', 'bot-2']]);
    expect(during.marked).toEqual([]);
    await w.store.release('rb-1', 'bot-2#boot9');
    await new Approvals(ctx).approve('rb-1', 'U0IC');
    await ctx.runner.idle();
    const after = await q.status();
    expect(after.active).toEqual([]);
    expect(after.recent.map((r) => r.id)).toEqual(['rb-1']);
    expect(after.marked.map((r) => r.id)).toEqual(['rb-1']);
  });
});
