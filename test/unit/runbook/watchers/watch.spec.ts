/**
 * The close watch after a deploy, on the in-memory world: a deploy that stays healthy through it is marked seen
 * healthy (what a later proposal goes back to); one that does not, or that was never looked at, is not.
 */
import { LastLooks } from '../../../../src/runbook/watchers/looks';
import { Watcher } from '../../../../src/runbook/watchers/watch';
import { RollbackRunner } from '../../../../src/runbook/steps/runner';
import { RollbackService } from '../../../../src/runbook/service';
import type { HealthProbe } from '../../../../src/ports';
import { deployReport, healthyProbe, unitConfig, unitWorld } from '../../../support/fakes';

const CLOSE = { watch: true, close_watch_ms: 60_000, close_watch_interval_ms: 1000 };

async function watchOnce(probe: HealthProbe, looks: boolean) {
  const w = unitWorld(unitConfig(CLOSE), { probe });
  await w.store.recordDeploy(deployReport('dp-1', '2026-12-01T09:00:00.000Z', 'v1'));
  await w.store.recordDeploy(deployReport('dp-2', '2026-12-01T09:59:00.000Z', 'v2'));
  const watcher = new Watcher(w.deps, new RollbackService(w.deps, new RollbackRunner(w.deps, { owner: 'unit#1' })));
  watcher.deploySeen('production');
  // One look (1 s in), then the watch's time is over at the next one.
  if (looks) await new Promise((r) => setTimeout(r, 1300));
  w.clock.advance(61_000);
  await new Promise((r) => setTimeout(r, looks ? 1000 : 1300));
  expect(watcher.watchingClosely('production')).toBe(false);
  watcher.stop();
  return (await w.store.deploys('production', 5)).map((d) => [d.version, d.verifiedAt]);
}

it('marks the deploy seen healthy when every look of its close watch found it healthy', async () => {
  expect(await watchOnce(healthyProbe('v2'), true)).toEqual([
    ['v2', '2026-12-01T10:01:01.000Z'],
    ['v1', null],
  ]);
});

it('does not when a look found it failing, or when there was no look', async () => {
  const failing: HealthProbe = {
    ...healthyProbe('v2'),
    probe: async (url) => ({ url, ok: false, attempts: 1, status: 503 }),
  };
  expect(await watchOnce(failing, true)).toEqual([
    ['v2', null],
    ['v1', null],
  ]);
  expect(await watchOnce(healthyProbe('v2'), false)).toEqual([
    ['v2', null],
    ['v1', null],
  ]);
});

it('keeps each close-watch look for the Home tab, and says when one saw something new', async () => {
  const w = unitWorld(unitConfig(CLOSE), { probe: healthyProbe('v2') });
  w.deps.looks = new LastLooks();
  const changed: string[] = [];
  w.deps.changed = (environment) => changed.push(environment);
  const watcher = new Watcher(w.deps, new RollbackService(w.deps, new RollbackRunner(w.deps, { owner: 'unit#1' })));
  // Not under close watch: a look is not kept.
  await watcher.tick('production');
  expect(w.deps.looks.last('production')).toBeNull();
  watcher.deploySeen('production');
  try {
    await watcher.tick('production');
    w.clock.advance(1000);
    await watcher.tick('production');
  } finally {
    watcher.stop();
  }
  expect(w.deps.looks.last('production')).toEqual({
    versions: ['v2'],
    at: '2026-12-01T10:00:01.000Z',
    source: 'close_watch',
    healthy: true,
  });
  // The second look saw nothing new: the open Home tabs were redrawn once.
  expect(changed).toEqual(['production']);
});
