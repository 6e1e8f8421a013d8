/** Hands-on changes on the in-memory world: what is told, under which card, how often, and what is not told. */
import { HandsOnWatcher } from '../../../src/runbook/hands-on';
import { markdownTimeline } from '../../../src/runbook/timeline';
import { unacknowledged } from '../../../src/domain/risks';
import { type Rollback } from '../../../src/domain/rollback.machine';
import { RollbackRunner } from '../../../src/runbook/runner';
import { RollbackService } from '../../../src/runbook/service';
import { unitWorld, type UnitWorld } from '../../support/fakes';

const event = (dockerService: string, n = 1) => ({ dockerService, action: 'update', at: Date.now(), id: `e${n}` });
const notes = (w: UnitWorld) =>
  w.notifier.told.filter((t) => t.event.type === 'Note' && t.event.fact.kind === 'hands_on_change');
const settle = () => new Promise((r) => setTimeout(r, 60));

async function awaiting(w: UnitWorld): Promise<Rollback> {
  const runner = new RollbackRunner(w.deps, { owner: 'unit#1', leaseMs: 60_000 });
  const out = await new RollbackService(w.deps, runner).request({
    environment: 'production',
    target: null,
    reason: 'errors',
    userId: 'U0ONCALL',
    channelId: 'C0INCIDENT',
  });
  if (out.kind !== 'ok') throw new Error(out.message);
  await runner.idle();
  return (await w.store.get(out.rollback.id)) as Rollback;
}

it('tells a hand-made update under the card awaiting approval, once for a burst', async () => {
  const w = unitWorld();
  const r = await awaiting(w);
  const watcher = new HandsOnWatcher(w.deps, { settleMs: 20, minIntervalMs: 60_000 });
  await watcher.prime();
  w.runtime.deployByHand('v3');
  for (let i = 0; i < 20; i++) watcher.onEvent(event('demo-backend', i));
  await settle();
  const told = notes(w);
  expect(told).toHaveLength(1);
  expect(told[0].rollback.id).toBe(r.id);
  expect(told[0].event).toMatchObject({
    fact: {
      kind: 'hands_on_change',
      during: 'awaiting_approval',
      gated: false,
      changes: [
        { service: 'backend', dockerService: 'demo-backend', from: 'v2', to: 'v3' },
        { service: 'frontend', dockerService: 'demo-frontend', from: 'v2', to: 'v3' },
      ],
    },
  });
  // Within the quiet interval, further changes wait (and are summed up later), never a message each.
  w.runtime.deployByHand('v4');
  watcher.onEvent(event('demo-backend', 99));
  await settle();
  expect(notes(w)).toHaveLength(1);
  watcher.stop();
});

it('tells nothing for services it does not know, for no change, or when another replica claimed the event', async () => {
  const w = unitWorld();
  await awaiting(w);
  const watcher = new HandsOnWatcher(w.deps, { settleMs: 10, claim: async () => false });
  await watcher.prime();
  watcher.onEvent(event('someone-elses-service'));
  watcher.onEvent(event('demo-backend'));
  await settle();
  expect(notes(w)).toHaveLength(0);
  w.runtime.deployByHand('v3');
  expect(await watcher.check('production')).toBe(false);
  watcher.stop();
});

it("never takes the bot's own Step 3 for a hands-on change, even when its events are read after the rollback completed", async () => {
  const w = unitWorld();
  const runner = new RollbackRunner(w.deps, { owner: 'unit#1', leaseMs: 60_000 });
  const service = new RollbackService(w.deps, runner);
  const r = await awaiting(w);
  // Longer than the whole rollback takes here: the check runs once it has completed.
  const watcher = new HandsOnWatcher(w.deps, { settleMs: 300 });
  await watcher.prime();
  const unfollow = w.runtime.events.follow(
    (e) => watcher.onEvent(e),
    () => undefined,
  );
  for (const risk of unacknowledged(r)) await service.acknowledge(r.id, 'U0IC', risk);
  expect((await service.approve(r.id, 'U0IC')).kind).toBe('ok');
  await runner.idle();
  expect((await w.store.get(r.id))?.status).toBe('completed');
  await new Promise((res) => setTimeout(res, 400));
  expect(notes(w)).toHaveLength(0);
  // A change by hand afterwards, while deploys are locked, is told (loudly).
  w.runtime.changeByHand('v2');
  await new Promise((res) => setTimeout(res, 400));
  expect(notes(w).map((n) => n.event)).toEqual([
    expect.objectContaining({ fact: expect.objectContaining({ gated: true, during: 'completed' }) }),
  ]);
  // And kept in the rollback's timeline, which the Markdown timeline (the deployment log) shows.
  const entries = await w.store.timeline(r.id);
  expect(entries.at(-1)).toMatchObject({
    type: 'HandsOnChange',
    event: { gated: true, changes: expect.arrayContaining([expect.objectContaining({ from: 'v1', to: 'v2' })]) },
  });
  expect(markdownTimeline((await w.store.get(r.id)) as Rollback, entries)).toContain(
    'Production changed by hand while deploys were locked: backend v1 → v2, frontend v1 → v2',
  );
  unfollow();
  watcher.stop();
});
