/**
 * Alerts weighed against the last deploy, on the in-memory world: a proposal soon after a deploy (once per
 * fingerprint), evidence in the thread of a card under way (once per card), kept otherwise, and a line when the
 * alert it touched resolves.
 */
import { BOT_REQUESTER } from '../../../../src/domain/rollback';
import type { RunningService } from '../../../../src/ports';
import { RollbackService } from '../../../../src/runbook/service';
import { RollbackRunner } from '../../../../src/runbook/steps/runner';
import { AlertWatcher, type IncomingAlert } from '../../../../src/runbook/watchers/alerts';
import { deployReport, unitConfig, unitWorld, type UnitWorld } from '../../../support/fakes';

const firing = (over: Partial<IncomingAlert> = {}): IncomingAlert => ({
  status: 'firing',
  labels: { alertname: 'HighErrorRate', environment: 'production', severity: 'critical' },
  annotations: { summary: '5xx above 5% <!channel>' },
  startsAt: '2026-12-01T09:58:00.000Z',
  generatorURL: 'http://prometheus.example:9090/graph?g0.expr=rate',
  fingerprint: 'a1b2c3d4e5f60718',
  ...over,
});

function world(env: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) {
  const w = unitWorld(unitConfig(env, extra));
  w.deps.alerts = w.store;
  const service = new RollbackService(w.deps, new RollbackRunner(w.deps, { owner: 'unit#1' }));
  const requests: string[] = [];
  const watcher = new AlertWatcher(w.deps, async (req) => {
    requests.push(`${req.environment} → ${req.target ?? 'Step 1 decides'}: ${req.reason}`);
    return service.request(req);
  });
  return { w, watcher, service, requests };
}

async function send(watcher: AlertWatcher, ...alerts: IncomingAlert[]) {
  const got = await watcher.receive(alerts);
  return { ...got, outcomes: await got.decided };
}

const notes = (w: UnitWorld) =>
  w.notifier.told.flatMap((t) => (t.event.type === 'Note' ? [{ id: t.rollback.id, fact: t.event.fact }] : []));

/** CI reported v1 at 09:00 and v2 at 09:55; the clock says 10:00. */
async function deployed(w: UnitWorld) {
  await w.store.recordDeploy(deployReport('dp-1', '2026-12-01T09:00:00.000Z', 'v1'));
  await w.store.recordDeploy(deployReport('dp-2', '2026-12-01T09:55:00.000Z', 'v2'));
}

it('proposes a rollback to the version before the deploy when an alert fires within the window, with the alert as evidence', async () => {
  const { w, watcher, requests } = world();
  await deployed(w);
  const got = await send(watcher, firing());
  expect(got).toMatchObject({ accepted: 1, ignored: 0, outcomes: ['proposed'] });
  expect(requests).toEqual([
    'production → v1: Alert HighErrorRate (critical) firing 3 min after the deploy of v2: 5xx above 5% <!channel>',
  ]);
  const [r] = await w.store.list({ environment: 'production', limit: 1 });
  expect(r).toMatchObject({ requestedBy: BOT_REQUESTER, requestedTarget: 'v1' });
  expect(notes(w)).toEqual([
    {
      id: r.id,
      fact: {
        kind: 'alert_firing',
        proposed: true,
        alert: {
          name: 'HighErrorRate',
          severity: 'critical',
          summary: '5xx above 5% <!channel>',
          startsAt: '2026-12-01T09:58:00.000Z',
          generatorUrl: 'http://prometheus.example:9090/graph?g0.expr=rate',
        },
      },
    },
  ]);
});

it('does nothing more for the same alert again (a retry, a repeat): one proposal per fingerprint, one line per card', async () => {
  const { w, watcher, requests } = world();
  await deployed(w);
  expect((await send(watcher, firing(), firing())).outcomes).toEqual(['proposed', 'duplicate']);
  expect((await send(watcher, firing())).outcomes).toEqual(['duplicate']);
  expect(requests).toHaveLength(1);
  expect(notes(w)).toHaveLength(1);
});

it('tells a second alert in the thread of the card under way, once per card', async () => {
  const { w, watcher } = world();
  await deployed(w);
  await send(watcher, firing());
  const other = firing({
    fingerprint: 'ffff000011112222',
    labels: { alertname: 'Latency', environment: 'production' },
  });
  expect((await send(watcher, other, other)).outcomes).toEqual(['noted', 'duplicate']);
  const [r] = await w.store.list({ environment: 'production', limit: 1 });
  expect(notes(w).map((n) => [n.id, n.fact.kind, 'proposed' in n.fact && n.fact.proposed])).toEqual([
    [r.id, 'alert_firing', true],
    [r.id, 'alert_firing', false],
  ]);
});

it('keeps an alert with no deploy, or one past the window, or one that started before the deploy: no card, no message', async () => {
  const { w, watcher, requests } = world();
  expect((await send(watcher, firing())).outcomes).toEqual(['kept']);
  await w.store.recordDeploy(deployReport('dp-1', '2026-12-01T09:00:00.000Z', 'v1'));
  // 09:58 is 58 min after the only deploy: past the 30 min window.
  expect((await send(watcher, firing({ fingerprint: 'b2' }))).outcomes).toEqual(['kept']);
  await w.store.recordDeploy(deployReport('dp-2', '2026-12-01T09:55:00.000Z', 'v2'));
  // It had been firing since 09:40, before the deploy at 09:55: not the deploy's doing.
  expect((await send(watcher, firing({ fingerprint: 'c3', startsAt: '2026-12-01T09:40:00.000Z' }))).outcomes).toEqual([
    'kept',
  ]);
  expect(requests).toEqual([]);
  expect(w.notifier.told).toEqual([]);
  expect((await w.store.firingAlerts(10)).map((a) => [a.fingerprint, a.rollbackId])).toEqual([
    ['a1b2c3d4e5f60718', null],
    ['b2', null],
    ['c3', null],
  ]);
});

it('ignores alerts for no configured environment, or that do not match the environment’s matchers', async () => {
  const { watcher } = world({ alerts: { match: { severity: 'critical' } } }, { alerts: { environment_label: 'env' } });
  const got = await send(
    watcher,
    firing(),
    firing({ labels: { alertname: 'A', env: 'production', severity: 'warning' } }),
    firing({ labels: { alertname: 'A', env: 'toString', severity: 'critical' } }),
    firing({ labels: { alertname: 'A', env: 'production', severity: 'critical' } }),
  );
  expect(got).toMatchObject({ accepted: 1, ignored: 3, outcomes: ['kept'] });
});

it('does not propose again for watch_backoff_ms after an incident commander cancelled a proposal', async () => {
  const { w, watcher, service } = world({ watch_backoff_ms: 600_000 });
  await deployed(w);
  await send(watcher, firing());
  const [r] = await w.store.list({ environment: 'production', limit: 1 });
  expect((await service.cancel(r.id, 'U0IC')).kind).toBe('ok');
  expect((await send(watcher, firing({ fingerprint: 'other' }))).outcomes).toEqual(['kept']);
  w.clock.advance(601_000);
  // Ten minutes later the window still holds (09:58 is 3 min after the deploy): a new alert proposes again.
  expect((await send(watcher, firing({ fingerprint: 'third' }))).outcomes).toEqual(['proposed']);
});

it('adds a line under the card an alert touched when it resolves, once; a resolved alert that touched none says nothing', async () => {
  const { w, watcher } = world();
  await deployed(w);
  await send(watcher, firing());
  const resolved = firing({ status: 'resolved' });
  expect((await send(watcher, resolved, resolved)).outcomes).toEqual(['resolved', 'duplicate']);
  const [r] = await w.store.list({ environment: 'production', limit: 1 });
  expect(notes(w).map((n) => [n.id, n.fact.kind])).toEqual([
    [r.id, 'alert_firing'],
    [r.id, 'alert_resolved'],
  ]);
  expect((await send(watcher, firing({ fingerprint: 'x9', status: 'resolved' }))).outcomes).toEqual(['duplicate']);
  // An alert that was only kept (no card then) resolves without a message.
  const quiet = world();
  await send(quiet.watcher, firing({ fingerprint: 'y8' }));
  expect((await send(quiet.watcher, firing({ fingerprint: 'y8', status: 'resolved' }))).outcomes).toEqual(['resolved']);
  expect(quiet.w.notifier.told).toEqual([]);
  expect(await quiet.w.store.firingAlerts(10)).toEqual([]);
});

it('keeps the monitoring’s text bounded: long names and summaries are cut, an overlong link is left out', async () => {
  const { w, watcher } = world();
  await send(
    watcher,
    firing({
      labels: { alertname: 'A'.repeat(5000), environment: 'production', severity: 'S'.repeat(500) },
      annotations: { description: 'd'.repeat(20_000) },
      generatorURL: `http://prometheus.example/${'x'.repeat(3000)}`,
    }),
  );
  const [a] = await w.store.firingAlerts(1);
  expect([a.name.length, a.severity?.length, a.summary?.length, a.generatorUrl]).toEqual([200, 64, 1000, null]);
  expect(a.summary?.endsWith('d…')).toBe(true);
});

describe('the deploy, from the platform', () => {
  const swarm = (w: UnitWorld, services: Partial<RunningService>) => {
    w.deps.runtime = {
      ...w.deps.runtime,
      inspectService: async (dockerService) => ({
        dockerService,
        image: 'registry/app:v3',
        version: 'v3',
        previousVersion: 'v2',
        specVersion: 10,
        ...services,
      }),
    };
  };

  it('counts a service whose image Swarm changed lately (a deploy by hand) and goes back to its previous spec', async () => {
    const { w, watcher, requests } = world();
    swarm(w, { updatedAt: '2026-12-01T09:57:00.000Z' });
    expect((await send(watcher, firing())).outcomes).toEqual(['proposed']);
    expect(requests[0]).toMatch(
      /^production → v2: Alert HighErrorRate \(critical\) firing 1 min after the deploy of v3/,
    );
  });

  it('does not count a change made before the end of a rollback that changed production (its own update)', async () => {
    const { w, watcher, service } = world();
    swarm(w, { updatedAt: '2026-12-01T09:57:00.000Z' });
    const env = w.deps.config.environments.production;
    const latest = {
      ...(await service.request({
        environment: 'production',
        target: 'v1',
        reason: 'x',
        userId: 'U0IC',
        channelId: env.channel,
      })),
    };
    if (latest.kind !== 'ok') throw new Error('not requested');
    const [r] = await w.store.list({ environment: 'production', limit: 1 });
    const done = {
      ...r,
      status: 'completed' as const,
      endedAt: '2026-12-01T09:58:00.000Z',
      steps: { ...r.steps, execute: { ...r.steps.execute, status: 'done' as const } },
    };
    expect(await watcher.lastDeploy('production', env, done)).toBeNull();
    expect(await watcher.lastDeploy('production', env, { ...done, endedAt: '2026-12-01T09:56:00.000Z' })).toMatchObject(
      {
        source: 'docker',
        version: 'v3',
        before: 'v2',
      },
    );
  });

  it('does not count a scale (same image before and after) or a service Swarm does not date', async () => {
    const { w, watcher } = world();
    swarm(w, { updatedAt: '2026-12-01T09:57:00.000Z', previousVersion: 'v3' });
    expect((await send(watcher, firing())).outcomes).toEqual(['kept']);
    swarm(w, { updatedAt: null });
    expect((await send(watcher, firing({ fingerprint: 'z' }))).outcomes).toEqual(['kept']);
  });
});
