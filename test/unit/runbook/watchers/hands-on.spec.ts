/** Hands-on changes on the in-memory world: what is told, under which card, how often, and what is not told. */
import { HandsOnWatcher } from '../../../../src/runbook/watchers/hands-on';
import { markdownTimeline } from '../../../../src/runbook/reports/timeline';
import { unacknowledged } from '../../../../src/domain/risks';
import { type Rollback } from '../../../../src/domain/rollback';
import { RollbackRunner } from '../../../../src/runbook/steps/runner';
import { RollbackService } from '../../../../src/runbook/service';
import { healthyProbe, unitWorld, type UnitWorld } from '../../../support/fakes';
import type { HealthProbe } from '../../../../src/ports';
import { CountingTarget } from '../../../support/sim-env';
import { changeWords } from '../../../../src/domain/facts';
import { NO_MENTIONS, progressText } from '../../../../src/slack/blocks/thread';
import { mentionedFor } from '../../../../src/runbook/policies/audience';
import { rollbackCard } from '../../../../src/slack/blocks/card';

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

/** A rollback approved and driven until it is `status` (Step 3 or 4), with a hands-on watcher primed before. */
async function approvedUntil(w: UnitWorld, status: Rollback['status'], leaseMs: number, beforeApprove = () => {}) {
  const runner = new RollbackRunner(w.deps, { owner: 'unit#1', leaseMs });
  const service = new RollbackService(w.deps, runner);
  const r = await awaiting(w);
  const watcher = new HandsOnWatcher(w.deps, { settleMs: 10 });
  await watcher.prime();
  for (const risk of unacknowledged(r)) await service.acknowledge(r.id, 'U0IC', risk);
  beforeApprove();
  expect((await service.approve(r.id, 'U0IC')).kind).toBe('ok');
  for (let i = 0; i < 100 && (await w.store.get(r.id))?.status !== status; i++) await settle();
  expect((await w.store.get(r.id))?.status).toBe(status);
  return { runner, r, watcher };
}

it('awaiting approval: a hand-made update sends the rollback back to Step 1 (card, Approve and thread say so), once for a burst', async () => {
  const w = unitWorld();
  const r = await awaiting(w);
  const again: string[] = [];
  const watcher = new HandsOnWatcher(w.deps, {
    settleMs: 20,
    minIntervalMs: 60_000,
    onStepOneAgain: (id) => again.push(id),
  });
  await watcher.prime();
  w.runtime.deployByHand('v3');
  for (let i = 0; i < 20; i++) watcher.onEvent(event('demo-backend', i));
  await settle();
  const changed = w.notifier.told.filter((t) => t.event.type === 'ProductionChanged');
  expect(changed).toHaveLength(1);
  expect(notes(w)).toHaveLength(0);
  const now = (await w.store.get(r.id)) as Rollback;
  // What was found, acknowledged and approved no longer counts: Step 1 runs again (the bot drives it).
  expect(now.status).toBe('confirming');
  expect(now.acknowledgements).toEqual([]);
  expect(again).toEqual([r.id]);
  expect(now.productionChanged).toMatchObject({
    changes: [
      { service: 'backend', dockerService: 'demo-backend', from: 'v2', to: 'v3', how: 'update' },
      { service: 'frontend', dockerService: 'demo-frontend', from: 'v2', to: 'v3', how: 'update' },
    ],
  });
  expect(now.productionChanged?.by).toBeUndefined();
  expect(mentionedFor(now, changed[0].event)).toEqual(['incident_commanders', 'on_call']);
  const line = progressText(now, changed[0].event, { ...NO_MENTIONS, incidentCommanders: '<@U0IC>' }) ?? '';
  expect(line).toContain('*Production changed by hand* while this card awaited approval');
  expect(line).toContain('• backend (`demo-backend`): `v2` → `v3` (by an update)');
  expect(line).toContain('Step 1 runs again');
  expect(line).toContain('<@U0IC>');
  // Within the quiet interval, further changes wait (and are summed up later), never a message each.
  w.runtime.deployByHand('v4');
  watcher.onEvent(event('demo-backend', 99));
  await settle();
  expect(w.notifier.told.filter((t) => t.event.type === 'ProductionChanged' || t.event.type === 'Note')).toHaveLength(
    1,
  );
  watcher.stop();
});

it("awaiting approval again after Step 1 re-ran: the card says production changed, and so does Approve's confirmation", async () => {
  const w = unitWorld();
  const runner = new RollbackRunner(w.deps, { owner: 'unit#1', leaseMs: 60_000 });
  const r = await awaiting(w);
  const watcher = new HandsOnWatcher(w.deps, { settleMs: 10, onStepOneAgain: (id) => void runner.drive(id) });
  await watcher.prime();
  w.runtime.deployByHand('v3');
  watcher.onEvent(event('demo-backend'));
  await settle();
  await runner.idle();
  const again = (await w.store.get(r.id)) as Rollback;
  expect(again.status).toBe('awaiting_approval');
  expect(again.findings?.services.map((s) => s.version)).toEqual(['v3', 'v3']);
  const card = JSON.stringify(rollbackCard(again).blocks);
  expect(card).toContain('*Production changed* ');
  expect(card).toContain('by hand, not by the bot): backend v2 → v3 (by an update), frontend v2 → v3 (by an update)');
  expect(card).toContain('Step 1 ran again: what the card shows is what runs now.');
  expect(card).toMatch(/Production changed [^"]* while this card awaited approval; Step 1 ran again/);
  watcher.stop();
});

it('during Step 3 or 4 a change by hand interrupts the rollback with the evidence; the running step stops', async () => {
  for (const during of ['executing', 'verifying'] as const) {
    const runtime = new CountingTarget(during === 'executing' ? 1000 : 0);
    let release = () => undefined as void;
    let holding: Promise<void> | null = null;
    const base = healthyProbe('v1');
    // Step 4 held open (its health probe waits) so that the change lands during it.
    const probe: HealthProbe = {
      ...base,
      probe: async (url, o) => {
        if (holding) await holding;
        return base.probe(url, o);
      },
    };
    const w = unitWorld(undefined, { runtime, probe });
    const { runner, r, watcher } = await approvedUntil({ ...w, runtime }, during, 3000, () => {
      if (during === 'verifying') holding = new Promise<void>((res) => (release = res));
    });
    await new Promise((res) => setTimeout(res, 100));
    runtime.changeByHand('v9');
    watcher.onEvent(event('demo-backend'));
    await settle();
    const now = (await w.store.get(r.id)) as Rollback;
    expect(now.status).toBe('interrupted');
    const step = during === 'executing' ? 'Step 3' : 'Step 4';
    expect(now.failure?.reason).toContain(`production changed during ${step} without the bot: backend `);
    expect(now.failure?.reason).toContain('→ v9 (by an update)');
    const told = w.notifier.told.find((t) => t.event.type === 'RollbackInterrupted');
    expect(told?.event).toMatchObject({
      services: expect.arrayContaining([expect.objectContaining({ version: 'v9' })]),
    });
    release();
    // The step that was running ends without moving the rollback on (its result is not applied).
    await runner.idle();
    expect((await w.store.get(r.id))?.status).toBe('interrupted');
    expect((await w.store.timeline(r.id)).map((e) => e.type)).toContain('HandsOnChange');
    watcher.stop();
  }
});

it('tells a scale by what it was, quietly: not a deploy, so no Step 1 again and no loud call', async () => {
  const w = unitWorld();
  const r = await awaiting(w);
  const watcher = new HandsOnWatcher(w.deps, { settleMs: 10 });
  await watcher.prime();
  watcher.onEvent({ ...event('demo-frontend', 1), replicas: { from: 1, to: 3 } });
  watcher.onEvent({ ...event('demo-frontend', 2), replicas: { from: 3, to: 5 } });
  await settle();
  expect((await w.store.get(r.id))?.status).toBe('awaiting_approval');
  const [told] = notes(w);
  expect(told.event).toMatchObject({
    fact: {
      gated: false,
      changes: [
        {
          service: 'frontend',
          dockerService: 'demo-frontend',
          from: 'v2',
          to: 'v2',
          how: 'scale',
          replicas: { from: 1, to: 5 },
        },
      ],
    },
  });
  const line = progressText(r, told.event, NO_MENTIONS) ?? '';
  expect(line).toContain('• frontend (`demo-frontend`): `v2` → `v2`, 1 → 5 replicas (by a scale)');
  expect(line).toContain('Only replica counts changed: the versions are as the card says.');
  expect((await w.store.timeline(r.id)).at(-1)).toMatchObject({ type: 'HandsOnChange' });
  watcher.stop();
});

it("leaves Swarm undoing the bot's own Step 3 update to Step 3 (it reports it as its failure): no interruption", async () => {
  const runtime = new CountingTarget(1000);
  const w = unitWorld(undefined, { runtime });
  const { runner, r, watcher } = await approvedUntil({ ...w, runtime }, 'executing', 60_000);
  // The bot's update lands (v2 → v1), then Swarm rolls it back (v1 → v2, a rollback event).
  runtime.deployByHand('v1');
  watcher.onEvent(event('demo-backend', 1));
  await settle();
  runtime.deployByHand('v2');
  for (const svc of ['demo-backend', 'demo-frontend']) watcher.onEvent({ ...event(svc, 2), rollback: true });
  await settle();
  expect((await w.store.get(r.id))?.status).toBe('executing');
  expect(notes(w)).toHaveLength(0);
  watcher.stop();
  await runner.idle();
});

it('says each kind of change in words', () => {
  expect(
    changeWords({
      service: 'frontend',
      dockerService: 'f',
      from: 'v2',
      to: 'v2',
      how: 'scale',
      replicas: { from: 1, to: 5 },
    }),
  ).toBe('frontend scaled 1 → 5 replicas (v2)');
  expect(changeWords({ service: 'backend', dockerService: 'b', from: 'v2', to: 'v1', how: 'rollback' })).toBe(
    'backend v2 → v1 (by a rollback (`docker service rollback`, or Swarm undoing an update))',
  );
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

it("never takes the bot's own Step 3 for a hands-on change, even when its events are read after the rollback completed; a later one is told and shown on the card", async () => {
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
    'Production changed by hand while deploys were locked: backend v1 → v2 (by an update), frontend v1 → v2 (by an update)',
  );
  // The card, redrawn with the note, says so under its header: it no longer claims v1 runs.
  const [told] = notes(w);
  const head = (rollbackCard(told.rollback).blocks[1] as { text?: { text: string } }).text?.text ?? '';
  expect(head).toContain('*Production changed since this rollback, without the bot, while deploys were locked:*');
  expect(head).toContain('backend v1 → v2 (by an update), frontend v1 → v2 (by an update)');
  expect(JSON.stringify(rollbackCard((await w.store.get(r.id)) as Rollback).blocks)).not.toContain('*Now running*');
  unfollow();
  watcher.stop();
});

it('after a rollback that failed in Step 4: its own late events are not hands-on, a change by hand is told loudly and shown on the card', async () => {
  // /health keeps failing: the rollback's Step 3 goes through, Step 4 fails, and deploys stay locked.
  const failing: HealthProbe = {
    probe: async (url) => ({ url, ok: false, attempts: 1, status: 503, version: 'v1' }),
    smokeTest: healthyProbe('v1').smokeTest,
  };
  const w = unitWorld(undefined, { probe: failing });
  const runner = new RollbackRunner(w.deps, { owner: 'unit#1', leaseMs: 60_000 });
  const service = new RollbackService(w.deps, runner);
  const r = await awaiting(w);
  const watcher = new HandsOnWatcher(w.deps, { settleMs: 300 });
  await watcher.prime();
  const unfollow = w.runtime.events.follow(
    (e) => watcher.onEvent(e),
    () => undefined,
  );
  for (const risk of unacknowledged(r)) await service.acknowledge(r.id, 'U0IC', risk);
  expect((await service.approve(r.id, 'U0IC')).kind).toBe('ok');
  await runner.idle();
  expect((await w.store.get(r.id))?.status).toBe('failed');
  await new Promise((res) => setTimeout(res, 400));
  expect(notes(w)).toHaveLength(0);
  w.runtime.changeByHand('v3');
  await new Promise((res) => setTimeout(res, 400));
  expect(notes(w).map((n) => n.event)).toEqual([
    expect.objectContaining({ fact: expect.objectContaining({ gated: true, during: 'failed' }) }),
  ]);
  expect(JSON.stringify(rollbackCard(notes(w)[0].rollback).blocks[1])).toContain(
    'backend v1 → v3 (by an update), frontend v1 → v3 (by an update)',
  );
  unfollow();
  watcher.stop();
});
