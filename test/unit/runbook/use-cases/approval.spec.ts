/** Deciding on a rollback on the in-memory world: who may, the risks to acknowledge first, four eyes, expiry, and the re-check. */
import { Approvals } from '../../../../src/runbook/use-cases/approval';
import { unitConfig, unitWorld, type UnitWorld } from '../../../support/fakes';
import { awaitingApproval, useCaseContext } from '../../../support/use-case-fakes';

function approvals(w: UnitWorld): { a: Approvals; idle: () => Promise<void> } {
  const ctx = useCaseContext(w);
  return { a: new Approvals(ctx), idle: () => ctx.runner.idle() };
}

const status = async (w: UnitWorld, id = 'rb-1') => (await w.store.get(id))?.status;

describe('Approvals.approve', () => {
  it('lets an incident commander approve, and drives the rollback to its end', async () => {
    const w = unitWorld();
    await awaitingApproval(w);
    const { a, idle } = approvals(w);
    expect(await a.approve('rb-1', 'U0IC')).toMatchObject({ kind: 'ok', rollback: { id: 'rb-1' } });
    await idle();
    expect(await w.store.timeline('rb-1')).toContainEqual(
      expect.objectContaining({ event: expect.objectContaining({ type: 'ApprovalGranted', by: 'U0IC' }) }),
    );
    expect(await status(w)).toBe('completed');
    expect(w.runtime.changes.map((c) => c.version)).toEqual(['v1', 'v1']);
  });

  it('refuses someone who is not an incident commander, records the refusal, and changes nothing', async () => {
    const w = unitWorld();
    await awaitingApproval(w);
    const { a } = approvals(w);
    const out = await a.approve('rb-1', 'U0ONCALL');
    expect(out).toEqual({
      kind: 'refused',
      message: 'Only an incident commander can approve a rollback. Ask one of them in this channel.',
    });
    expect(await status(w)).toBe('awaiting_approval');
    expect((await w.store.timeline('rb-1')).map((e) => e.type)).toContain('ApprovalRefused');
  });

  it('answers for an unknown id and for a rollback already ended', async () => {
    const w = unitWorld();
    const { a } = approvals(w);
    expect(await a.approve('rb-nope', 'U0IC')).toEqual({ kind: 'refused', message: 'There is no rollback `rb-nope`.' });
    await awaitingApproval(w);
    await a.cancel('rb-1', 'U0IC');
    expect(await a.approve('rb-1', 'U0IC')).toMatchObject({
      kind: 'refused',
      message: 'This rollback is already cancelled; nothing was done.',
    });
  });

  it('waits for the risks to be acknowledged, then approves', async () => {
    const w = unitWorld();
    await awaitingApproval(w, {
      findings: { migrations: { verdict: 'included', source: 'git diff', files: ['m.sql'] } },
    });
    const { a, idle } = approvals(w);
    const first = await a.approve('rb-1', 'U0IC');
    expect(first).toMatchObject({ kind: 'refused' });
    expect(first.kind === 'refused' && first.message).toMatch(
      /^Not yet: press \*I understand: migrations are forward-only\* on the card first; then Approve\. The bad deployment may include database migrations\.$/,
    );
    expect(await status(w)).toBe('awaiting_approval');

    expect(await a.acknowledge('rb-1', 'U0ONCALL', 'migrations')).toMatchObject({ kind: 'refused' });
    expect(await a.acknowledge('rb-1', 'U0IC', 'migrations')).toMatchObject({
      kind: 'ok',
      rollback: { acknowledgements: [{ by: 'U0IC', risk: 'migrations' }] },
    });
    expect(await a.approve('rb-1', 'U0IC')).toMatchObject({ kind: 'ok' });
    await idle();
  });

  it('expires a card nobody approved in time, instead of approving it', async () => {
    const w = unitWorld();
    await awaitingApproval(w);
    w.clock.advance(30 * 60_000);
    const { a } = approvals(w);
    const out = await a.approve('rb-1', 'U0IC');
    expect(out).toMatchObject({
      kind: 'refused',
      message: expect.stringMatching(/^This rollback expired: nobody approved it within 30 min/),
    });
    expect(await status(w)).toBe('expired');
    expect(w.runtime.changes).toEqual([]);
  });

  it('needs a second incident commander where the environment asks for four eyes', async () => {
    const w = unitWorld(unitConfig({ approval: { require_different_approver: true } }));
    await awaitingApproval(w);
    const { a, idle } = approvals(w);
    const first = await a.approve('rb-1', 'U0IC');
    expect(first).toMatchObject({ kind: 'refused', message: expect.stringContaining('needs four eyes') });
    expect((await w.store.get('rb-1'))?.approvals).toEqual([{ by: 'U0IC', at: expect.any(String) }]);
    // The same person again is still one pair of eyes.
    expect(await a.approve('rb-1', 'U0IC')).toMatchObject({ kind: 'refused' });
    expect(await status(w)).toBe('awaiting_approval');
    expect(await a.approve('rb-1', 'U0IC2')).toMatchObject({ kind: 'ok' });
    await idle();
    expect(await status(w)).toBe('completed');
  });

  it('counts an incident commander who requested it as the first pair of eyes', async () => {
    const w = unitWorld(unitConfig({ approval: { require_different_approver: true } }));
    await awaitingApproval(w, { requestedBy: 'U0IC2' });
    const { a, idle } = approvals(w);
    expect(await a.approve('rb-1', 'U0IC')).toMatchObject({ kind: 'ok' });
    await idle();
  });

  it('runs Step 1 again, and changes nothing, when production moved since the card was drawn', async () => {
    const w = unitWorld();
    await awaitingApproval(w);
    w.runtime.deployByHand('v3');
    const { a, idle } = approvals(w);
    const out = await a.approve('rb-1', 'U0IC');
    expect(out).toMatchObject({
      kind: 'refused',
      message: expect.stringMatching(
        /^Production changed since Step 1 \(backend runs v3, frontend runs v3\); nothing was done\./,
      ),
    });
    await idle();
    expect((await w.store.timeline('rb-1')).map((e) => e.type)).toContain('ProductionChanged');
    expect(w.runtime.changes).toEqual([]);
  });
});

describe('Approvals.cancel', () => {
  it('lets the requester take back their own request before approval, and no one else who is not a commander', async () => {
    const w = unitWorld();
    await awaitingApproval(w);
    const { a } = approvals(w);
    expect(await a.cancel('rb-1', 'U0SOMEONE')).toMatchObject({ kind: 'refused' });
    const out = await a.cancel('rb-1', 'U0ONCALL');
    expect(out).toMatchObject({ kind: 'ok', rollback: { status: 'cancelled' } });
    const cancelled = (await w.store.timeline('rb-1')).find((e) => e.type === 'RollbackCancelled');
    expect(cancelled).toMatchObject({ event: { by: 'U0ONCALL', why: 'the requester took the request back' } });
  });
});

describe('Approvals.expireStale', () => {
  it('expires a card once it waited longer than its environment allows, not before', async () => {
    const w = unitWorld();
    await awaitingApproval(w);
    const { a } = approvals(w);
    w.clock.advance(29 * 60_000);
    expect(await a.expireStale()).toEqual([]);
    expect(await status(w)).toBe('awaiting_approval');
    w.clock.advance(60_000);
    expect((await a.expireStale()).map((r) => r.id)).toEqual(['rb-1']);
    expect(await status(w)).toBe('expired');
  });
});
