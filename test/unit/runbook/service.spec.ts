/** The service's use cases on the in-memory world: who may do what, limits, expiry, and what changes nothing. */
import { unacknowledged } from '../../../src/domain/risks';
import type { Rollback } from '../../../src/domain/rollback';
import { RollbackRunner } from '../../../src/runbook/steps/runner';
import { RollbackService } from '../../../src/runbook/service';
import { unitConfig, unitWorld, type UnitWorld } from '../../support/fakes';

function serviceIn(w: UnitWorld) {
  const runner = new RollbackRunner(w.deps, { owner: 'unit#1', leaseMs: 60_000 });
  return { runner, service: new RollbackService(w.deps, runner) };
}

async function pendingIn(
  w: UnitWorld,
  user = 'U0ONCALL',
): Promise<{ service: RollbackService; runner: RollbackRunner; r: Rollback }> {
  const { service, runner } = serviceIn(w);
  const out = await service.request({
    environment: 'production',
    target: null,
    reason: 'errors',
    userId: user,
    channelId: 'C0INCIDENT',
  });
  if (out.kind !== 'ok') throw new Error(out.message);
  await runner.idle();
  const r = (await w.store.get(out.rollback.id)) as Rollback;
  expect(r.status).toBe('awaiting_approval');
  return { service, runner, r };
}

const ask = (service: RollbackService, reason = 'errors after the deploy') =>
  service.request({ environment: 'production', target: null, reason, userId: 'U0ONCALL', channelId: 'C0INCIDENT' });

describe('a request with nothing to roll back to', () => {
  it('is refused to the requester with what to type, and no rollback or card is made', async () => {
    const w = unitWorld();
    for (const [name, s] of w.runtime.services) w.runtime.services.set(name, { ...s, previousVersion: null });
    const { service } = serviceIn(w);
    const out = await ask(service);
    expect(out).toEqual({
      kind: 'refused',
      message:
        'Nothing to roll back to in production: Swarm kept no previous spec and this bot has not verified a version of this environment yet. Name the version to go back to: `/rollback production to <version> errors after the deploy`',
    });
    expect(await w.store.list({ limit: 10 })).toEqual([]);
    expect(w.notifier.told).toEqual([]);
  });

  it('is refused when every service already runs what would be proposed', async () => {
    const w = unitWorld();
    for (const [name, s] of w.runtime.services) w.runtime.services.set(name, { ...s, previousVersion: s.version });
    const out = await ask(serviceIn(w).service);
    expect(out).toMatchObject({
      kind: 'refused',
      message: expect.stringContaining('already runs v2, the version the bot would propose'),
    });
    expect(await w.store.list({ limit: 10 })).toEqual([]);
  });

  it('goes ahead when the versions cannot be read (Step 1 finds out, on the card)', async () => {
    const w = unitWorld();
    w.runtime.inspectService = () => Promise.reject(new Error('Docker is not reachable'));
    const out = await ask(serviceIn(w).service);
    expect(out.kind).toBe('ok');
  });
});

describe('RollbackService', () => {
  it('a refused approval is written to the timeline only: the rollback is untouched', async () => {
    const w = unitWorld();
    const { service, r } = await pendingIn(w);
    const out = await service.approve(r.id, 'U0STRANGER');
    expect(out).toMatchObject({ kind: 'refused', message: expect.stringContaining('Only an incident commander') });
    expect(await w.store.get(r.id)).toEqual(r);
    expect((await w.store.timeline(r.id)).at(-1)).toMatchObject({ type: 'ApprovalRefused', actor: 'U0STRANGER' });
  });

  it('limits requests per user, and the requester may cancel their own', async () => {
    const w = unitWorld(unitConfig({}, { limits: { requests: { count: 2, window_minutes: 10 } } }));
    const { service, runner } = serviceIn(w);
    for (let i = 0; i < 2; i++) {
      const out = await service.request({
        environment: 'production',
        target: null,
        reason: 'x',
        userId: 'U0ONCALL',
        channelId: 'C0INCIDENT',
      });
      if (out.kind !== 'ok') throw new Error(out.message);
      await runner.idle();
      expect((await service.cancel(out.rollback.id, 'U0ONCALL')).kind).toBe('ok');
    }
    const third = await service.request({
      environment: 'production',
      target: null,
      reason: 'x',
      userId: 'U0ONCALL',
      channelId: 'C0INCIDENT',
    });
    expect(third).toMatchObject({ kind: 'refused', message: expect.stringContaining('Too many requests') });
    w.clock.advance(11 * 60_000);
    expect(
      (
        await service.request({
          environment: 'production',
          target: null,
          reason: 'x',
          userId: 'U0ONCALL',
          channelId: 'C0INCIDENT',
        })
      ).kind,
    ).toBe('ok');
  });

  it('an incident commander’s request supersedes a pending one from someone else', async () => {
    const w = unitWorld();
    const { service, r } = await pendingIn(w, 'U0STRANGER');
    const out = await service.request({
      environment: 'production',
      target: null,
      reason: 'real',
      userId: 'U0IC',
      channelId: 'C0INCIDENT',
    });
    expect(out.kind).toBe('ok');
    expect(await w.store.get(r.id)).toMatchObject({ status: 'cancelled', cancelledBy: 'U0IC' });
  });

  it('four eyes: one commander acknowledging and approving alone is recorded; a second one makes it count', async () => {
    const w = unitWorld(unitConfig({ approval: { require_different_approver: true } }));
    const { service, runner, r } = await pendingIn(w);
    for (const risk of unacknowledged(r)) expect((await service.acknowledge(r.id, 'U0IC', risk)).kind).toBe('ok');
    expect(await service.approve(r.id, 'U0IC')).toMatchObject({
      kind: 'refused',
      message: expect.stringContaining('another incident commander must approve'),
    });
    expect(await w.store.get(r.id)).toMatchObject({ status: 'awaiting_approval', approvals: [{ by: 'U0IC' }] });
    expect((await service.approve(r.id, 'U0IC2')).kind).toBe('ok');
    await runner.idle();
    expect(await w.store.get(r.id)).toMatchObject({ status: 'completed', approvedBy: 'U0IC2' });
    expect(w.runtime.updates).toHaveLength(2);
  });

  it('refuses a checklist tick before its time (a button left on an old checklist), and changes nothing', async () => {
    const w = unitWorld();
    const { service, runner, r } = await pendingIn(w);
    expect(await service.tick(r.id, 'U0IC', 'smoke_passing')).toEqual({
      kind: 'refused',
      message:
        'Smoke tests are ticked after Step 4: the bot runs the configured ones there and ticks this itself when they pass.',
    });
    expect(await service.tick(r.id, 'U0IC', 'health_passing')).toEqual({
      kind: 'refused',
      message: 'The bot ticks this itself.',
    });
    expect(await service.createTicket(r.id, 'U0IC')).toEqual({
      kind: 'refused',
      message: 'The incident ticket and the post-mortem come once the rollback has ended.',
    });
    expect(await w.store.get(r.id)).toEqual(r);
    // Once the rollback has ended, the ticket may be ticked (no tracker configured here: by hand).
    expect((await service.cancel(r.id, 'U0IC')).kind).toBe('ok');
    await runner.idle();
    expect((await service.tick(r.id, 'U0IC', 'ticket_created')).kind).toBe('ok');
  });

  it('a card nobody approves expires and frees the environment', async () => {
    const w = unitWorld();
    const { service, r } = await pendingIn(w);
    expect(await service.expireStale()).toEqual([]);
    w.clock.advance(31 * 60_000);
    expect((await service.expireStale()).map((x) => x.id)).toEqual([r.id]);
    expect((await w.store.get(r.id))?.status).toBe('expired');
    expect(await service.approve(r.id, 'U0IC')).toMatchObject({
      kind: 'refused',
      message: expect.stringContaining('already expired'),
    });
  });

  it('refuses an Approve when production changed since Step 1, and runs Step 1 again', async () => {
    const w = unitWorld();
    const { service, runner, r } = await pendingIn(w);
    for (const risk of unacknowledged(r)) await service.acknowledge(r.id, 'U0IC', risk);
    w.runtime.deployByHand('v3');
    expect(await service.approve(r.id, 'U0IC')).toMatchObject({
      kind: 'refused',
      message: expect.stringContaining('Production changed since Step 1'),
    });
    await runner.idle();
    const again = (await w.store.get(r.id)) as Rollback;
    expect(again.status).toBe('awaiting_approval');
    expect(again.findings?.services.map((s) => s.version)).toEqual(['v3', 'v3']);
    expect(again.acknowledgements).toEqual([]);
    expect(w.runtime.updates).toEqual([]);
  });

  it('gives timelines and history to the incident channel and to incident commanders only', async () => {
    const w = unitWorld();
    const { service, r } = await pendingIn(w);
    await service.cancel(r.id, 'U0IC');
    expect((await service.timeline(r.id, { userId: 'U0STRANGER', channelId: 'C0ELSEWHERE' })).kind).toBe('refused');
    expect((await service.timeline(r.id, { userId: 'U0STRANGER', channelId: 'C0INCIDENT' })).kind).toBe('ok');
    expect((await service.timeline(r.id, { userId: 'U0IC', channelId: 'C0ELSEWHERE' })).kind).toBe('ok');
    expect(await service.history(null, { userId: 'U0STRANGER', channelId: 'C0ELSEWHERE' })).toEqual([]);
    expect((await service.history(null, { userId: 'U0IC', channelId: 'C0ELSEWHERE' })).map((x) => x.id)).toEqual([
      r.id,
    ]);
  });
});

describe('after a rollback that failed once Step 3 had changed production', () => {
  /** /health answering 503 whatever runs: the rollback does not fix it, so Step 4 fails. */
  const unhealthy = {
    probe: async (url: string) => ({ url, ok: false, attempts: 1, status: 503, version: 'v1' }),
    smokeTest: async (t: { name: string; url: string; expectStatus: number }) => ({
      name: t.name,
      url: t.url,
      ok: true,
      expectedStatus: t.expectStatus,
      status: 200,
    }),
  };

  /** v2 → v1, Step 4 failed: both services run v1 now, and the bot's own update left v2 in Swarm's PreviousSpec. */
  async function failedRollback() {
    const w = unitWorld(unitConfig(), { probe: unhealthy });
    const { service, runner, r } = await pendingIn(w);
    for (const risk of unacknowledged(r)) await service.acknowledge(r.id, 'U0IC', risk);
    expect((await service.approve(r.id, 'U0IC')).kind).toBe('ok');
    await runner.idle();
    const failed = (await w.store.get(r.id)) as Rollback;
    expect(failed).toMatchObject({ status: 'failed', failure: { step: 'verify' } });
    expect([...w.runtime.services.values()].map((s) => [s.version, s.previousVersion])).toEqual([
      ['v1', 'v2'],
      ['v1', 'v2'],
    ]);
    return { w, service, runner, failed };
  }

  it('a request without a version never proposes the version it moved away from', async () => {
    const { w, service, failed } = await failedRollback();
    const out = await ask(service, 'still failing');
    expect(out).toMatchObject({
      kind: 'refused',
      message: expect.stringContaining(`the version rollback ${failed.id} moved away from`),
    });
    expect((await w.store.list({ limit: 10 })).map((x) => x.id)).toEqual([failed.id]);
  });

  it('naming that version with `to` shows a warning that an incident commander must acknowledge before Approve', async () => {
    const { w, service, runner, failed } = await failedRollback();
    const out = await service.request({
      environment: 'production',
      target: 'v2',
      reason: 'v1 is worse',
      userId: 'U0ONCALL',
      channelId: 'C0INCIDENT',
    });
    if (out.kind !== 'ok') throw new Error(out.message);
    await runner.idle();
    const r = (await w.store.get(out.rollback.id)) as Rollback;
    expect(r).toMatchObject({ status: 'awaiting_approval', target: 'v2' });
    expect(unacknowledged(r)).toContain('rolled_back_from');

    for (const risk of unacknowledged(r).filter((x) => x !== 'rolled_back_from'))
      await service.acknowledge(r.id, 'U0IC', risk);
    expect(await service.approve(r.id, 'U0IC')).toMatchObject({
      kind: 'refused',
      message: expect.stringContaining(`rollback ${failed.id} moved production away from v2`),
    });
    expect(await service.acknowledge(r.id, 'U0STRANGER', 'rolled_back_from')).toMatchObject({ kind: 'refused' });
    expect((await service.approve(r.id, 'U0IC')).kind).toBe('refused');
    expect((await service.acknowledge(r.id, 'U0IC', 'rolled_back_from')).kind).toBe('ok');
    expect((await service.approve(r.id, 'U0IC')).kind).toBe('ok');
    await runner.idle();
    expect((await w.store.get(r.id))?.steps.execute.status).not.toBe('pending');
  });
});
