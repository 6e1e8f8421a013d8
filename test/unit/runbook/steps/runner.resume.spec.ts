/**
 * A rollback picked up after the process that drove it died goes on only where production is as the rollback left
 * it. Both cases were found by the model-based test (test/model): an update Swarm took and someone undid while the
 * bot was down, and a hand deploy while the bot was down in Step 2 (announcement posted, not recorded).
 */
import type { RollbackEvent } from '../../../../src/domain/rollback.events';
import type { ContainerRuntime } from '../../../../src/ports';
import { applyEvent } from '../../../../src/runbook/engine/context';
import { RollbackRunner } from '../../../../src/runbook/steps/runner';
import { approvedEvents, draftRollback, type UnitWorld, unitWorld } from '../../../support/fakes';
import { until } from '../../../support/wait';

const AT = '2026-12-01T10:00:00.000Z';
const LEASE_MS = 30_000;
const ANNOUNCED: RollbackEvent = { type: 'RollbackAnnounced', at: AT, message: { channel: 'C0INCIDENT', ts: '1.2' } };

/** The rollback stored after `events`, as the process that died left it. */
async function stored(w: UnitWorld, events: RollbackEvent[]): Promise<string> {
  const created = await w.store.create(draftRollback(AT));
  if (!created.ok) throw new Error('not created');
  for (const e of events) {
    const applied = await applyEvent(w.store, 'rb-1', e);
    if (!applied.ok) throw new Error(applied.rejection.message);
  }
  return 'rb-1';
}

const never = <T>() => new Promise<T>(() => undefined);

/**
 * Step 3 under a process that dies there: each update call never answers, after Swarm took the update (`took`) or
 * before it did. Resolves once both calls were made and the dead process's lease has run out.
 */
async function diesInStep3(w: UnitWorld, id: string, took: boolean): Promise<void> {
  const swarm = w.runtime;
  let calls = 0;
  const dying: ContainerRuntime = {
    ping: () => swarm.ping(),
    imageLabels: (image, version) => swarm.imageLabels(image, version),
    inspectService: (name) => swarm.inspectService(name),
    ensureImage: (image, version) => swarm.ensureImage(image, version),
    rollServiceTo: async (name, image, version, options) => {
      calls++;
      if (took) await swarm.rollServiceTo(name, image, version, options);
      return never();
    },
  };
  void runner(w, 'replica-1#b1', dying).drive(id);
  await until(() => calls === 2 && swarm.changes.length === (took ? 2 : 0), 'both update calls', 5000);
  w.clock.advance(LEASE_MS + 1000);
}

const runner = (w: UnitWorld, owner: string, runtime: ContainerRuntime = w.runtime) =>
  new RollbackRunner({ ...w.deps, runtime }, { owner, leaseMs: LEASE_MS, budgetTickMs: 3_600_000 });

const versions = (w: UnitWorld) => [...w.runtime.services.values()].map((s) => s.version);

describe('a rollback resumed in Step 3', () => {
  it('does not update again a service whose update Swarm took and someone undid while the bot was down', async () => {
    const w = unitWorld();
    const id = await stored(w, [...approvedEvents(AT), ANNOUNCED]);
    await diesInStep3(w, id, true);
    // While the bot is down someone puts v2 back by hand (Swarm's failure_action: rollback leaves the same state:
    // v2 running, v1 in PreviousSpec — the very state before the rollback, so the versions alone cannot tell).
    w.runtime.deployByHand('v2');
    await runner(w, 'replica-2#b1').drive(id, { resumed: true });
    expect(w.runtime.changes).toEqual([
      { service: 'demo-backend', version: 'v1' },
      { service: 'demo-frontend', version: 'v1' },
    ]);
    expect(versions(w)).toEqual(['v2', 'v2']);
    expect(await w.store.get(id)).toMatchObject({
      status: 'interrupted',
      failure: {
        step: 'execute',
        reason: expect.stringMatching(/backend runs v2 again: the bot's update to v1 was applied, then undone/),
      },
    });
  });

  it('updates once a service whose update Swarm never took, and finishes', async () => {
    const w = unitWorld();
    const id = await stored(w, [...approvedEvents(AT), ANNOUNCED]);
    await diesInStep3(w, id, false);
    await runner(w, 'replica-2#b1').drive(id, { resumed: true });
    expect(w.runtime.changes).toHaveLength(2);
    expect(versions(w)).toEqual(['v1', 'v1']);
    expect(await w.store.get(id)).toMatchObject({
      status: 'completed',
      results: [{ fromVersion: 'v2' }, { fromVersion: 'v2' }],
    });
  });

  it('waits for the updates Swarm took, without a second one, and finishes', async () => {
    const w = unitWorld();
    const id = await stored(w, [...approvedEvents(AT), ANNOUNCED]);
    await diesInStep3(w, id, true);
    await runner(w, 'replica-2#b1').drive(id, { resumed: true });
    expect(w.runtime.changes).toHaveLength(2);
    // What Step 3 replaced, as read before its first update: not the target it found on resuming.
    expect(await w.store.get(id)).toMatchObject({
      status: 'completed',
      results: [{ fromVersion: 'v2' }, { fromVersion: 'v2' }],
    });
  });
});

describe('a rollback resumed in Step 2 (approved, the announcement perhaps posted, not recorded)', () => {
  it('does not go on to Step 3 when production changed while the bot was down', async () => {
    const w = unitWorld();
    const id = await stored(w, approvedEvents(AT));
    w.runtime.deployByHand('v3');
    w.clock.advance(LEASE_MS + 1000);
    await runner(w, 'replica-2#b1').drive(id, { resumed: true });
    expect(w.runtime.changes).toEqual([]);
    const r = await w.store.get(id);
    expect(r).toMatchObject({
      status: 'interrupted',
      failure: { step: 'announce', reason: expect.stringContaining('backend runs v3, not v2 as on the card') },
      steps: { execute: { status: 'pending' } },
    });
  });

  it('goes on when production is as the card showed', async () => {
    const w = unitWorld();
    const id = await stored(w, approvedEvents(AT));
    w.clock.advance(LEASE_MS + 1000);
    await runner(w, 'replica-2#b1').drive(id, { resumed: true });
    expect(w.runtime.changes).toHaveLength(2);
    expect((await w.store.get(id))?.status).toBe('completed');
  });
});
