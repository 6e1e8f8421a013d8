/**
 * The deploy gate (and `/rollback status`, `/rollback unlock`) after a rollback that may have changed production:
 * once Step 3 started, the environment stays marked until an incident commander clears it, whatever the rollback's
 * final state. One that never reached Step 3 marks nothing.
 */
import { unacknowledged } from '../../../../src/domain/risks';
import type { Rollback } from '../../../../src/domain/rollback';
import type { RollbackEvent } from '../../../../src/domain/rollback.events';
import type { HealthProbe } from '../../../../src/ports';
import { applyEvent } from '../../../../src/runbook/engine/context';
import { RollbackRunner } from '../../../../src/runbook/steps/runner';
import { RollbackService } from '../../../../src/runbook/service';
import { approvedEvents, draftRollback, unitWorld, type UnitWorld } from '../../../support/fakes';

/** /health answering 503 whatever runs: the rollback does not fix it, so Step 4 fails. */
const unhealthyProbe: HealthProbe = {
  probe: async (url) => ({ url, ok: false, attempts: 1, status: 503, version: 'v1' }),
  smokeTest: async (t) => ({ name: t.name, url: t.url, ok: true, expectedStatus: t.expectStatus, status: 200 }),
};

function serviceIn(w: UnitWorld) {
  const runner = new RollbackRunner(w.deps, { owner: 'unit#1', leaseMs: 60_000 });
  return { runner, service: new RollbackService(w.deps, runner) };
}

/** A rollback requested, its risks acknowledged and approved by an incident commander, run to its end. */
async function runRollback(w: UnitWorld, target: string | null = null): Promise<Rollback> {
  const { service, runner } = serviceIn(w);
  const out = await service.request({
    environment: 'production',
    target,
    reason: 'errors after the deploy',
    userId: 'U0ONCALL',
    channelId: 'C0INCIDENT',
  });
  if (out.kind !== 'ok') throw new Error(out.message);
  await runner.idle();
  const pending = (await w.store.get(out.rollback.id)) as Rollback;
  expect(pending.status).toBe('awaiting_approval');
  for (const risk of unacknowledged(pending))
    expect((await service.acknowledge(pending.id, 'U0IC', risk)).kind).toBe('ok');
  expect((await service.approve(pending.id, 'U0IC')).kind).toBe('ok');
  await runner.idle();
  return (await w.store.get(pending.id)) as Rollback;
}

/** A rollback of production stored and taken through `events` (no runner: the state the events leave). */
async function storedAfter(w: UnitWorld, id: string, events: RollbackEvent[]): Promise<Rollback> {
  expect((await w.store.create(draftRollback('2026-12-01T10:00:00.000Z', { id }))).ok).toBe(true);
  for (const e of events) {
    const applied = await applyEvent(w.store, id, e);
    if (!applied.ok) throw new Error(applied.rejection.message);
  }
  return (await w.store.get(id)) as Rollback;
}

const AT = '2026-12-01T10:00:00.000Z';
const announced = (): RollbackEvent[] => [
  ...approvedEvents(AT),
  { type: 'RollbackAnnounced', at: AT, message: { channel: 'C0INCIDENT', ts: '1.1' } },
];
const backendRolledBack = {
  service: 'backend',
  dockerService: 'demo-backend',
  outcome: 'rolled_back' as const,
  fromVersion: 'v2',
  toVersion: 'v1',
  runningVersion: 'v1',
};

describe('the deploy gate after a rollback that may have changed production', () => {
  it('stays shut after Step 4 failed, until an incident commander unlocks the environment', async () => {
    const w = unitWorld(undefined, { probe: unhealthyProbe });
    const r = await runRollback(w);
    expect(r.status).toBe('failed');
    expect(r.failure?.step).toBe('verify');
    // Step 3 changed both services: production runs v1 now, with v2 (the bad version) in Swarm's PreviousSpec.
    expect(w.runtime.changes).toHaveLength(2);
    const { service } = serviceIn(w);

    expect(await service.deployGate('production')).toMatchObject({ open: false, rollback: { id: r.id } });
    expect((await service.status()).marked.map((m) => m.id)).toEqual([r.id]);

    expect(await service.unlock('production', 'U0ONCALL', 'looked')).toMatchObject({ kind: 'refused' });
    expect(await service.deployGate('production')).toMatchObject({ open: false });
    expect(await service.unlock('production', 'U0IC', 'root cause found')).toMatchObject({ kind: 'ok' });
    expect(await service.deployGate('production')).toEqual({ environment: 'production', open: true });
    expect((await service.status()).marked).toEqual([]);
    expect((await w.store.get(r.id))?.rootCauseCleared).toMatchObject({ by: 'U0IC' });
  });

  it('stays shut after Step 3 only partly worked', async () => {
    const w = unitWorld();
    const roll = w.runtime.rollServiceTo.bind(w.runtime);
    w.runtime.rollServiceTo = async (name, image, version, options) => {
      if (name === 'demo-frontend') throw new Error('update paused: task failed to start');
      return roll(name, image, version, options);
    };
    const r = await runRollback(w);
    expect(r).toMatchObject({ status: 'failed', failure: { step: 'execute' } });
    expect(await serviceIn(w).service.deployGate('production')).toMatchObject({
      open: false,
      rollback: { id: r.id },
    });
  });

  it('stays shut after a rollback interrupted in Step 3, and after one whose outcome nobody knows', async () => {
    const w = unitWorld();
    const { service } = serviceIn(w);
    const interrupted = await storedAfter(w, 'rb-interrupted', [
      ...announced(),
      { type: 'RollbackInterrupted', at: AT, reason: 'the bot restarted mid-update', services: [] },
    ]);
    expect(interrupted.status).toBe('interrupted');
    expect(await service.deployGate('production')).toMatchObject({ open: false, rollback: { id: interrupted.id } });
    expect((await service.unlock('production', 'U0IC', 'looked')).kind).toBe('ok');
    expect((await service.deployGate('production'))?.open).toBe(true);

    await storedAfter(w, 'rb-unknown', [
      ...announced(),
      { type: 'OutcomeUnknown', at: AT, reason: 'Docker stopped answering mid-update', services: [] },
    ]);
    expect((await service.releaseLock('rb-unknown', 'U0IC')).kind).toBe('ok');
    expect((await w.store.get('rb-unknown'))?.status).toBe('interrupted');
    // The lock is released (another rollback may start); deploys still wait for the mark to be cleared.
    expect(await service.deployGate('production')).toMatchObject({ open: false, rollback: { id: 'rb-unknown' } });
    expect((await service.unlock('production', 'U0IC', 'one known version now')).kind).toBe('ok');
    expect((await service.deployGate('production'))?.open).toBe(true);
  });

  it('stays shut when a later rollback never reached Step 3: only a clearing opens it', async () => {
    const w = unitWorld();
    const { service } = serviceIn(w);
    const failed = await storedAfter(w, 'rb-step4', [
      ...announced(),
      { type: 'ServicesRolledBack', at: AT, results: [backendRolledBack] },
      {
        type: 'VerificationFailed',
        at: AT,
        reason: 'health check failed',
        evidence: { health: { url: 'h', ok: false, attempts: 3, status: 503 }, smokeTests: [] },
      },
    ]);
    await storedAfter(w, 'rb-later', [
      { type: 'ConfirmationStarted', at: AT },
      { type: 'ConfirmationFailed', at: AT, reason: 'Docker could not tell what runs', findings: null },
    ]);
    expect(await service.deployGate('production')).toMatchObject({ open: false, rollback: { id: failed.id } });
    expect((await service.unlock('production', 'U0IC', '')).kind).toBe('ok');
    expect((await w.store.get(failed.id))?.rootCauseCleared).toMatchObject({ by: 'U0IC' });
    expect((await service.deployGate('production'))?.open).toBe(true);
  });

  it('is not shut by rollbacks that never reached Step 3: refused in Step 1, failed in Step 2, cancelled', async () => {
    const w = unitWorld();
    const { service } = serviceIn(w);
    await storedAfter(w, 'rb-step1', [
      { type: 'ConfirmationStarted', at: AT },
      { type: 'ConfirmationFailed', at: AT, reason: 'no target', findings: null },
    ]);
    await storedAfter(w, 'rb-step2', [
      ...approvedEvents(AT),
      { type: 'AnnouncementFailed', at: AT, step: 'announce', reason: 'channel_not_found' },
    ]);
    await storedAfter(w, 'rb-cancelled', [
      { type: 'ConfirmationStarted', at: AT },
      { type: 'RollbackCancelled', at: AT, by: 'U0IC' },
    ]);
    await storedAfter(w, 'rb-interrupted-step2', [
      ...approvedEvents(AT),
      { type: 'RollbackInterrupted', at: AT, reason: 'the bot restarted before announcing', services: [] },
    ]);
    expect(await service.deployGate('production')).toEqual({ environment: 'production', open: true });
    expect((await service.status()).marked).toEqual([]);
    expect(await service.unlock('production', 'U0IC', '')).toMatchObject({
      kind: 'refused',
      message: 'production is not locked: deploys may go ahead.',
    });
  });
});
