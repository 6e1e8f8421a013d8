/**
 * A store that stops answering mid-rollback (a database restart, a failover): the runner waits it out within bounds
 * and records the step's result once it answers; when it does not answer in time, the thread says what could not be
 * recorded, nothing runs twice, and the rollback is left for whoever resumes it.
 */
import { MemoryRollbackStore } from '../../../../src/adapters/memory/memory.rollback-store';
import type { Rollback } from '../../../../src/domain/rollback';
import type { RollbackEvent } from '../../../../src/domain/rollback.events';
import { applyEvent } from '../../../../src/runbook/engine/context';
import { RollbackRunner } from '../../../../src/runbook/steps/runner';
import { approvedEvents, draftRollback, unitWorld } from '../../../support/fakes';

const AT = '2026-12-01T10:00:00.000Z';

/** The in-memory store whose writes fail while `down` is more than zero (one failure counted per write). */
class FlakyStore extends MemoryRollbackStore {
  down = 0;
  override async save(expected: number, next: Rollback, event: RollbackEvent): Promise<Rollback | null> {
    if (this.down > 0) {
      this.down--;
      throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
    }
    return super.save(expected, next, event);
  }
}

/** Stored and announced: the runner's next step is Step 3 on the simulated swarm. */
async function announced(store: FlakyStore): Promise<string> {
  const created = await store.create(draftRollback(AT));
  if (!created.ok) throw new Error('not created');
  for (const e of [
    ...approvedEvents(AT),
    { type: 'RollbackAnnounced', at: AT, message: { channel: 'C0INCIDENT', ts: '1.2' } } as const,
  ]) {
    const applied = await applyEvent(store, 'rb-1', e);
    if (!applied.ok) throw new Error(applied.rejection.message);
  }
  await store.save(
    (await store.get('rb-1'))?.version ?? 0,
    { ...(await store.get('rb-1'))!, card: { channel: 'C0INCIDENT', ts: '1.1' } },
    { type: 'CardPosted', at: AT, card: { channel: 'C0INCIDENT', ts: '1.1' } },
  );
  return 'rb-1';
}

function world(store: FlakyStore) {
  const w = unitWorld(undefined, { rollbacks: store, leases: store, reports: store, verified: store });
  const runner = new RollbackRunner(w.deps, { owner: 'replica-1#b1', persistRetryMs: [10, 10, 10] });
  return { w, runner };
}

it('waits out a store that stops answering for a moment, and records the step once', async () => {
  const store = new FlakyStore();
  const id = await announced(store);
  const { w, runner } = world(store);
  store.down = 2;
  await runner.drive(id);
  expect((await store.get(id))?.status).toBe('completed');
  expect(w.runtime.updates).toHaveLength(2);
  expect((await store.timeline(id)).filter((e) => e.type === 'ServicesRolledBack')).toHaveLength(1);
});

it('says in the thread what it could not record when the store does not come back in time, and stops there', async () => {
  const store = new FlakyStore();
  const id = await announced(store);
  const { w, runner } = world(store);
  store.down = 100;
  await runner.drive(id);
  const r = await store.get(id);
  // Production was rolled back; the store still says Step 3 is under way, which is what a resumer checks.
  expect(w.runtime.updates).toHaveLength(2);
  expect(r?.status).toBe('executing');
  const notes = w.notifier.told.flatMap((t) => (t.event.type === 'Note' ? [t.event.fact] : []));
  expect(notes).toEqual([
    { kind: 'not_persisted', event: 'ServicesRolledBack', error: 'connect ECONNREFUSED 127.0.0.1:5432' },
  ]);
  // Once the store answers, resuming checks production first (both services on the target: safe) and finishes
  // without changing production a second time.
  store.down = 0;
  const resumer = new RollbackRunner(w.deps, { owner: 'replica-2#b1' });
  await resumer.drive(id, { resumed: true });
  expect((await store.get(id))?.status).toBe('completed');
  expect(w.runtime.changes).toHaveLength(2);
});
