/**
 * The Home tab's use case: the dashboard it computes per environment (what runs and since when, the gate, the
 * rollback in progress with its step, the last three), who gets the Unlock button, the unlock with its reason,
 * and which Home tabs are redrawn when something changes.
 */
import { unacknowledged } from '../../../../src/domain/risks';
import type { HomeDashboard, HomeEnvironment } from '../../../../src/domain/home';
import type { Rollback } from '../../../../src/domain/rollback';
import { RollbackService } from '../../../../src/runbook/service';
import { AfterCare } from '../../../../src/runbook/use-cases/after-care';
import { Home, HOME_FRESH_MS, lookOf } from '../../../../src/runbook/use-cases/home';
import { LastLooks } from '../../../../src/runbook/watchers/looks';
import { approvedEvents, draftRollback, rollbackAfter, unitWorld, type UnitWorld } from '../../../support/fakes';
import { useCaseContext } from '../../../support/use-case-fakes';

function homeIn(w: UnitWorld) {
  const ctx = useCaseContext(w);
  const home = new Home(ctx, new AfterCare(ctx), 0);
  // As the composition root wires it: every stored change redraws the open Home tabs.
  w.deps.changed = () => home.changed();
  return { home, runner: ctx.runner, service: new RollbackService(w.deps, ctx.runner) };
}

const last = (w: UnitWorld, userId: string): HomeDashboard => {
  const mine = w.notifier.homes.filter((h) => h.home.userId === userId);
  if (mine.length === 0) throw new Error(`no Home tab drawn for ${userId}`);
  return mine[mine.length - 1].home;
};
const production = (d: HomeDashboard): HomeEnvironment => d.environments.find((e) => e.name === 'production')!;
const settle = () => new Promise((r) => setTimeout(r, 5));

async function awaitingApproval(w: UnitWorld, service: RollbackService, runner: { idle(): Promise<void> }) {
  const out = await service.request({
    environment: 'production',
    target: null,
    reason: 'errors after the deploy',
    userId: 'U0ONCALL',
    channelId: 'C0INCIDENT',
  });
  if (out.kind !== 'ok') throw new Error(out.message);
  await runner.idle();
  return (await w.store.get(out.rollback.id)) as Rollback;
}

describe('Home', () => {
  it('shows a quiet environment: nothing seen yet, deploys open, no rollbacks; no Unlock', async () => {
    const w = unitWorld();
    const { home } = homeIn(w);
    await home.opened('U0IC');
    expect(w.notifier.homes).toHaveLength(1);
    expect(w.notifier.homes[0].urgent).toBe(true);
    expect(production(last(w, 'U0IC'))).toEqual({
      name: 'production',
      running: null,
      gate: { open: true },
      active: null,
      recent: [],
      mayUnlock: false,
    });
    expect(home.looking).toEqual(['U0IC']);
  });

  it('follows a rollback: in progress with what Step 1 saw, then locked by it with its outcome and duration', async () => {
    const w = unitWorld();
    const { home, runner, service } = homeIn(w);
    const pending = await awaitingApproval(w, service, runner);
    await home.opened('U0IC');
    const during = production(last(w, 'U0IC'));
    expect(during.running).toMatchObject({ versions: ['v2'], source: 'step1', rollbackId: pending.id });
    expect(during.gate).toMatchObject({ open: false, reason: 'rollback_in_progress', rollbackId: pending.id });
    expect(during.active).toMatchObject({ id: pending.id, status: 'awaiting_approval', step: null });
    expect(during.active?.card).toEqual(pending.card);
    // Not while it runs: it has to end first.
    expect(during.mayUnlock).toBe(false);

    for (const risk of unacknowledged(pending)) await service.acknowledge(pending.id, 'U0IC', risk);
    w.clock.advance(90_000);
    expect((await service.approve(pending.id, 'U0IC')).kind).toBe('ok');
    await runner.idle();
    await settle();
    // Redrawn on its own as the rollback moved: the tab was opened a moment ago.
    const after = production(last(w, 'U0IC'));
    expect(after.active).toBeNull();
    expect(after.gate).toMatchObject({ open: false, reason: 'rolled_back', rollbackId: pending.id });
    expect(after.recent).toHaveLength(1);
    expect(after.recent[0]).toMatchObject({ id: pending.id, status: 'completed', requestedAt: pending.requestedAt });
    expect(Date.parse(after.recent[0].endedAt!) - Date.parse(pending.requestedAt)).toBe(90_000);
    expect(after.mayUnlock).toBe(true);
    // What runs now is what Step 3 left running, no longer what Step 1 saw.
    expect(after.running).toMatchObject({ versions: ['v1'], source: 'rollback', rollbackId: pending.id });

    // Someone who is not an incident commander sees no Unlock.
    await home.opened('U0ONCALL');
    expect(production(last(w, 'U0ONCALL')).mayUnlock).toBe(false);
  });

  it('keeps the last three finished rollbacks, newest first', async () => {
    const w = unitWorld();
    const { home, runner, service } = homeIn(w);
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await awaitingApproval(w, service, runner);
      expect((await service.cancel(r.id, 'U0IC')).kind).toBe('ok');
      ids.push(r.id);
      w.clock.advance(1000);
    }
    await home.opened('U0IC');
    expect(production(last(w, 'U0IC')).recent.map((r) => [r.id, r.status])).toEqual(
      ids
        .slice(1)
        .reverse()
        .map((id) => [id, 'cancelled']),
    );
  });

  it("says what runs from the close watch's look when it is newer than Step 1's", async () => {
    const w = unitWorld();
    w.deps.looks = new LastLooks();
    const { home, runner, service } = homeIn(w);
    const r = await awaitingApproval(w, service, runner);
    await service.cancel(r.id, 'U0IC');
    w.clock.advance(60_000);
    w.deps.looks.record('production', {
      versions: ['v3'],
      at: w.clock.now().toISOString(),
      source: 'close_watch',
      healthy: true,
    });
    await home.opened('U0IC');
    expect(production(last(w, 'U0IC')).running).toMatchObject({ versions: ['v3'], source: 'close_watch' });
  });

  it('unlocks with the reason in the timeline for an incident commander, and says a refusal on the tab', async () => {
    const w = unitWorld();
    const { home, runner, service } = homeIn(w);
    const r = await awaitingApproval(w, service, runner);
    for (const risk of unacknowledged(r)) await service.acknowledge(r.id, 'U0IC', risk);
    await service.approve(r.id, 'U0IC');
    await runner.idle();

    const refused = await home.unlock('production', 'U0ONCALL', 'looks fine');
    expect(refused.kind).toBe('refused');
    expect(last(w, 'U0ONCALL').notice).toMatch(/Only an incident commander/);
    expect(production(last(w, 'U0ONCALL')).gate.open).toBe(false);

    expect(await home.unlock('production', 'U0IC', '   ')).toMatchObject({ kind: 'refused' });
    expect(last(w, 'U0IC').notice).toMatch(/Say why/);
    expect(await home.unlock('nowhere', 'U0IC', 'why')).toMatchObject({ kind: 'refused' });

    expect((await home.unlock('production', 'U0IC', 'root cause fixed in #812')).kind).toBe('ok');
    expect(last(w, 'U0IC').notice).toBe(`Deploys of production are allowed again: the mark of ${r.id} is cleared.`);
    expect(production(last(w, 'U0IC')).gate).toEqual({ open: true });
    const cleared = (await w.store.timeline(r.id)).find((e) => e.type === 'RootCauseCleared');
    expect(cleared?.event).toMatchObject({ by: 'U0IC', why: 'root cause fixed in #812' });
  });

  it('redraws only the tabs opened in the last 30 minutes, once for a burst of changes', async () => {
    const w = unitWorld();
    const { home } = homeIn(w);
    await home.opened('U0OLD');
    w.clock.advance(HOME_FRESH_MS + 1);
    await home.opened('U0NEW');
    w.notifier.homes.length = 0;
    home.changed();
    home.changed();
    home.changed();
    await settle();
    expect(w.notifier.homes.map((h) => [h.home.userId, h.urgent])).toEqual([['U0NEW', false]]);
    expect(home.looking).toEqual(['U0NEW']);
  });

  it('keeps the page each person chose, within reason', async () => {
    const w = unitWorld();
    const { home } = homeIn(w);
    await home.page('U0IC', 3);
    expect(last(w, 'U0IC').page).toBe(3);
    await home.page('U0IC', -1);
    expect(last(w, 'U0IC').page).toBe(0);
  });

  it('never throws from a refresh: a store that fails is logged', async () => {
    const w = unitWorld();
    const { home } = homeIn(w);
    await home.opened('U0IC');
    w.store.list = async () => {
      throw new Error('disk gone');
    };
    await expect(home.refresh()).resolves.toBe(0);
  });

  describe('lookOf: what a rollback last knew runs', () => {
    const base = rollbackAfter(draftRollback('2026-12-01T10:00:00.000Z'), approvedEvents('2026-12-01T10:00:00.000Z'));
    it('says nothing for a rollback that never looked', () => {
      expect(lookOf(draftRollback('2026-12-01T10:00:00.000Z'))).toBeNull();
    });
    it('takes Step 1, then Step 3, then the changes made by hand after it, newest last', () => {
      expect(lookOf(base)).toMatchObject({ versions: ['v2'], source: 'step1' });
      const result = (service: string, runningVersion: string | null) => ({
        service,
        dockerService: `demo-${service}`,
        outcome: 'rolled_back' as const,
        fromVersion: 'v2',
        toVersion: 'v1',
        runningVersion,
      });
      const rolled = {
        ...base,
        results: [result('backend', 'v1'), result('frontend', null)],
        steps: { ...base.steps, execute: { status: 'done' as const, endedAt: '2026-12-01T10:05:00.000Z' } },
      };
      // A service whose version Docker could not say after Step 3 is left out: not guessed from Step 1.
      expect(lookOf(rolled)).toEqual({
        versions: ['v1'],
        at: '2026-12-01T10:05:00.000Z',
        source: 'rollback',
        rollbackId: base.id,
      });
      const change = (at: string, to: string) => ({
        at,
        changes: [{ service: 'backend', dockerService: 'demo-backend', from: 'v1', to }],
      });
      const byHand = {
        ...rolled,
        results: [result('backend', 'v1'), result('frontend', 'v1')],
        changedSince: {
          count: 2,
          latest: [change('2026-12-01T10:09:00.000Z', 'v3'), change('2026-12-01T10:07:00.000Z', 'v2')],
        },
      };
      expect(lookOf(byHand)).toEqual({
        versions: ['v3', 'v1'],
        at: '2026-12-01T10:09:00.000Z',
        source: 'hands_on',
        rollbackId: base.id,
      });
    });
  });
});
