/**
 * The store's promises, written once and run against every adapter (SQLite on a real file, the in-memory fake, a real
 * PostgreSQL server): the per-environment lock, compare-and-set, audit-only events, the ordering of "latest", leases,
 * reports, deliveries.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryRollbackStore } from '../../src/adapters/memory/memory.rollback-store';
import { SqliteStore } from '../../src/adapters/sqlite/sqlite.store';
import { type RollbackEvent } from '../../src/domain/rollback.events';
import { transition } from '../../src/domain/rollback.transitions';
import type {
  AlertLog,
  AlertSeen,
  DeployReports,
  Leases,
  Reports,
  RollbackRepository,
  VerifiedVersions,
} from '../../src/ports';
import type { DeliveryLog } from '../../src/ports/delivery-log.port';

/** Every store port, as one adapter implements them. */
type Store = RollbackRepository & Leases & Reports & VerifiedVersions & DeliveryLog & DeployReports & AlertLog;
import { applyEvent } from '../../src/runbook/engine/context';
import { approvedEvents, deployReport, draftRollback } from '../support/fakes';
import { postgresStore } from '../support/postgres';

const AT = '2026-11-26T10:00:00.000Z';
const draft = (id: string, environment = 'production') => draftRollback(AT, { id, environment });

interface Adapter {
  store: Store;
  close(): Promise<void>;
}

const ADAPTERS: Array<[string, () => Promise<Adapter>]> = [
  [
    'SQLite (a real file)',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'rollback-contract-'));
      const store = new SqliteStore(join(dir, 'rollback.db'));
      return {
        store,
        close: async () => {
          await store.close();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  ],
  ['in memory', async () => ({ store: new MemoryRollbackStore(), close: async () => undefined })],
  ['PostgreSQL (a real server)', () => postgresStore()],
];

describe.each(ADAPTERS)('RollbackStore contract: %s', (_name, make) => {
  let adapter: Adapter;
  let store: Store;
  beforeEach(async () => {
    adapter = await make();
    store = adapter.store;
  });
  afterEach(() => adapter.close());

  it('allows one active rollback per environment, and frees the environment when it ends', async () => {
    expect((await store.create(draft('rb-1'))).ok).toBe(true);
    const second = await store.create(draft('rb-2'));
    expect(second).toMatchObject({ ok: false, active: { id: 'rb-1' } });
    expect((await store.create(draft('rb-3', 'staging'))).ok).toBe(true);

    expect((await applyEvent(store, 'rb-1', { type: 'RollbackCancelled', at: AT, by: 'U0IC' })).ok).toBe(true);
    expect((await store.create(draft('rb-4'))).ok).toBe(true);
  });

  it('writes only over the version it read (compare-and-set)', async () => {
    const created = await store.create(draft('rb-1'));
    if (!created.ok) throw new Error('not created');
    const event = { type: 'ConfirmationStarted' as const, at: AT };
    const next = transition(created.rollback, event);
    if (!next.ok) throw new Error('rejected');
    expect(await store.save(created.rollback.version, next.state, event)).toMatchObject({
      status: 'confirming',
      version: 2,
    });
    // A second writer holding the same old version loses.
    expect(await store.save(created.rollback.version, next.state, event)).toBeNull();
    expect((await store.timeline('rb-1')).map((e) => e.type)).toEqual(['Requested', 'ConfirmationStarted']);
  });

  it('lets exactly one of many identical approvals through', async () => {
    await store.create(draft('rb-1'));
    for (const type of ['ConfirmationStarted'] as const) await applyEvent(store, 'rb-1', { type, at: AT });
    await applyEvent(store, 'rb-1', {
      type: 'IssueConfirmed',
      at: AT,
      findings: { health: null, ready: null, services: [], target: 'v1', targetSource: 'requested', targetNote: '' },
    });
    const results = await Promise.all(
      Array.from({ length: 20 }, () => applyEvent(store, 'rb-1', { type: 'ApprovalGranted', at: AT, by: 'U0IC' })),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok).every((r) => !r.ok && r.rejection.message.includes('executing'))).toBe(true);
    expect((await store.timeline('rb-1')).filter((e) => e.type === 'ApprovalGranted')).toEqual([
      expect.objectContaining({ actor: 'U0IC' }),
    ]);
  });

  it('counts unique reporters within a window', async () => {
    const at = (min: number) => new Date(Date.parse(AT) + min * 60_000).toISOString();
    await store.recordReport({ environment: 'production', userId: 'U1', text: 'checkout 500', at: at(0) });
    await store.recordReport({ environment: 'production', userId: 'U1', text: 'still 500', at: at(20) });
    await store.recordReport({ environment: 'production', userId: 'U2', text: 'cart empty', at: at(25) });
    await store.recordReport({ environment: 'staging', userId: 'U3', text: 'slow', at: at(25) });
    expect(await store.uniqueReporters('production', at(-1))).toEqual(['U1', 'U2']);
    // A 30-minute window seen at minute 40 keeps U1's second report and U2's.
    expect(await store.uniqueReporters('production', at(10))).toEqual(['U1', 'U2']);
    expect(await store.uniqueReporters('production', at(21))).toEqual(['U2']);
    expect(await store.uniqueReporters('production', at(26))).toEqual([]);
    expect(await store.reportTexts('production', at(-1), 2)).toEqual(['cart empty', 'still 500']);
  });

  it('leases belong to one process: a sibling never takes a live one; a released or expired one is free', async () => {
    const now = Date.parse(AT);
    expect((await store.create(draft('rb-lease'), { owner: 'host-a:3000#boot1', until: now + 30_000 })).ok).toBe(true);
    // The process that created it is driving it: nobody else is offered it, and another process on the same host
    // (another port) cannot take it while the lease is live.
    expect(await store.orphans(now, 10)).toEqual([]);
    expect(await store.claim('rb-lease', 'host-a:3001#boot9', now + 30_000, now)).toBe(false);
    // Its holder renews it.
    expect(await store.claim('rb-lease', 'host-a:3000#boot1', now + 60_000, now + 20_000)).toBe(true);
    // Once expired, anyone may take it.
    expect((await store.orphans(now + 61_000, 10)).map((r) => r.id)).toEqual(['rb-lease']);
    expect(await store.claim('rb-lease', 'host-b:3000#x', now + 91_000, now + 61_000)).toBe(true);
    // Released by its holder (a graceful stop), it is free at once.
    await store.release('rb-lease', 'host-b:3000#x');
    expect((await store.orphans(now + 62_000, 10)).map((r) => r.id)).toEqual(['rb-lease']);
    expect(await store.claim('rb-lease', 'host-a:3001#boot9', now + 92_000, now + 62_000)).toBe(true);
  });

  it('two live boots of one instance never share a lease: the newer one waits until the older one lets go', async () => {
    // Swarm's start-first update (or a restart policy that starts the new task before the old one is gone) runs an
    // old and a new task of one slot side by side, with the same instance id: both are alive.
    const now = Date.parse(AT);
    expect((await store.create(draft('rb-slot'), { owner: 'bot-1#old', until: now + 30_000 })).ok).toBe(true);
    expect(await store.orphans(now + 1000, 10)).toEqual([]);
    expect(await store.claim('rb-slot', 'bot-1#new', now + 31_000, now + 1000)).toBe(false);
    expect([...(await store.holders(['rb-slot'], now + 1000))]).toEqual([['rb-slot', 'bot-1#old']]);
    // The older boot is still renewing: still not the newer one's.
    expect(await store.claim('rb-slot', 'bot-1#old', now + 40_000, now + 10_000)).toBe(true);
    expect(await store.claim('rb-slot', 'bot-1#new', now + 41_000, now + 11_000)).toBe(false);
    // Once the older boot's lease expires (it died without a word), the newer one takes it; the older one cannot
    // take it back.
    expect((await store.orphans(now + 40_001, 10)).map((r) => r.id)).toEqual(['rb-slot']);
    expect(await store.claim('rb-slot', 'bot-1#new', now + 70_001, now + 40_001)).toBe(true);
    expect(await store.claim('rb-slot', 'bot-1#old', now + 70_002, now + 40_002)).toBe(false);
    expect(await store.orphans(now + 40_002, 10)).toEqual([]);
  });

  it('says who holds a live lease, for status', async () => {
    const now = Date.parse(AT);
    await store.create(draft('rb-a'), { owner: 'replica-1#b1', until: now + 30_000 });
    await store.create(draft('rb-b', 'staging'), { owner: 'replica-2#b1', until: now - 1 });
    await store.create(draft('rb-c', 'qa'));
    const holders = await store.holders(['rb-a', 'rb-b', 'rb-c', 'rb-none'], now);
    expect([...holders]).toEqual([['rb-a', 'replica-1#b1']]);
    expect(await store.holders([], now)).toEqual(new Map());
  });

  it('orders "latest" by when a rollback ended, which only its final event sets; audit-only events change nothing', async () => {
    const end = async (id: string, at: string) => {
      for (const e of [{ type: 'RollbackCancelled', at, by: 'U0IC' }] as const)
        expect((await applyEvent(store, id, e)).ok).toBe(true);
    };
    expect((await store.create(draft('rb-old'))).ok).toBe(true);
    await end('rb-old', '2026-11-26T10:01:00.000Z');
    expect((await store.create({ ...draft('rb-new'), requestedAt: '2026-11-26T10:02:00.000Z' })).ok).toBe(true);
    await end('rb-new', '2026-11-26T10:03:00.000Z');
    const before = await store.get('rb-old');
    // A refused click on the old one, much later: timeline only.
    expect(
      await store.audit('rb-old', {
        type: 'ApprovalRefused',
        at: '2026-11-26T11:00:00.000Z',
        by: 'U0X',
        action: 'tick',
        why: 'not an incident commander',
      }),
    ).toBe(true);
    expect(await store.get('rb-old')).toEqual(before);
    expect((await store.timeline('rb-old')).at(-1)).toMatchObject({ type: 'ApprovalRefused', actor: 'U0X' });
    expect((await store.list({ environment: 'production', statuses: ['cancelled'], limit: 1 }))[0].id).toBe('rb-new');
    expect(await store.audit('rb-none', { type: 'RequestRefused', at: AT, by: 'U0X', why: 'x' })).toBe(false);
  });

  it('lists the rollbacks that mark an environment: Step 3 started since an incident commander last cleared it', async () => {
    const at = (min: number) => new Date(Date.parse(AT) + min * 60_000).toISOString();
    /** A rollback of `environment` requested at minute `min`, taken through `events` (all at that minute). */
    const stored = async (id: string, min: number, events: RollbackEvent[], environment = 'production') => {
      expect((await store.create(draftRollback(at(min), { id, environment }))).ok).toBe(true);
      for (const e of events) expect((await applyEvent(store, id, { ...e, at: at(min) })).ok).toBe(true);
    };
    const approved = approvedEvents(AT);
    const announced: RollbackEvent[] = [
      ...approved,
      { type: 'RollbackAnnounced', at: AT, message: { channel: 'C0INCIDENT', ts: '1.1' } },
    ];
    const failedInStep3: RollbackEvent[] = [
      ...announced,
      { type: 'ExecutionFailed', at: AT, reason: 'update paused', results: [] },
    ];
    const ids = async (environment = 'production') => (await store.marks(environment)).map((r) => r.id);
    expect(await ids()).toEqual([]);

    await stored('rb-1', 1, failedInStep3);
    // Never reached Step 3: they mark nothing, and do not hide the one that did.
    await stored('rb-2', 2, [
      { type: 'ConfirmationStarted', at: AT },
      { type: 'RollbackCancelled', at: AT, by: 'U0IC' },
    ]);
    await stored('rb-3', 3, [...approved, { type: 'AnnouncementFailed', at: AT, step: 'announce', reason: 'x' }]);
    await stored('rb-other', 3, failedInStep3, 'staging');
    expect(await ids()).toEqual(['rb-1']);
    await stored('rb-4', 4, [
      ...announced,
      { type: 'OutcomeUnknown', at: AT, reason: 'Docker gone', services: [] },
      { type: 'LockReleased', at: AT, by: 'U0IC' },
    ]);
    // One in Step 3 right now marks too.
    await stored('rb-5', 5, announced);
    expect(await ids()).toEqual(['rb-5', 'rb-4', 'rb-1']);
    expect(await ids('staging')).toEqual(['rb-other']);
    expect(await ids('qa')).toEqual([]);

    await applyEvent(store, 'rb-5', { type: 'ExecutionFailed', at: at(6), reason: 'x', results: [] });
    // Clearing the newest clears the environment: every earlier mark goes with it.
    expect((await applyEvent(store, 'rb-5', { type: 'RootCauseCleared', at: at(7), by: 'U0IC' })).ok).toBe(true);
    expect(await ids()).toEqual([]);
    expect(await ids('staging')).toEqual(['rb-other']);
    await stored('rb-6', 8, [...announced, { type: 'ServicesRolledBack', at: AT, results: [] }]);
    expect(await ids()).toEqual(['rb-6']);
    // A replica whose clock is behind: made after the clearing, though its request time is earlier. It marks.
    await applyEvent(store, 'rb-6', {
      type: 'RollbackVerified',
      at: at(9),
      evidence: { health: { url: 'h', ok: true, attempts: 1 }, smokeTests: [] },
    });
    expect((await applyEvent(store, 'rb-6', { type: 'RootCauseCleared', at: at(9), by: 'U0IC' })).ok).toBe(true);
    await stored('rb-skewed', 0, failedInStep3);
    expect(await ids()).toEqual(['rb-skewed']);
  });

  it('records a Slack delivery once', async () => {
    expect(await store.firstDelivery('/rollback:t1', 1000)).toBe(true);
    expect(await store.firstDelivery('/rollback:t1', 2000)).toBe(false);
    expect(await store.firstDelivery('/rollback:t2', 2000)).toBe(true);
  });

  it('keeps refusals that belong to no rollback, newest first', async () => {
    await store.recordRefusal({
      at: AT,
      userId: 'U1',
      environment: 'production',
      action: 'request',
      why: 'wrong channel',
    });
    await store.recordRefusal({ at: AT, userId: 'U2', environment: null, action: 'request', why: 'x' });
    expect((await store.refusals(5)).map((r) => r.userId)).toEqual(['U2', 'U1']);
  });

  it('remembers the last version verified per service, and the last report alert', async () => {
    expect(await store.lastVerifiedVersion('production', 'backend')).toBeNull();
    await store.recordVerifiedVersion('production', 'backend', 'v1', AT);
    await store.recordVerifiedVersion('production', 'backend', 'v2', AT);
    expect(await store.lastVerifiedVersion('production', 'backend')).toBe('v2');
    expect(await store.lastReportAlert('production')).toBeNull();
    await store.recordReportAlert('production', AT);
    expect(await store.lastReportAlert('production')).toBe(AT);
  });

  it('keeps deploy reports per environment, newest first, accepted or attempted while locked', async () => {
    await store.recordDeploy(deployReport('dp-1', '2026-11-26T10:00:00.000Z', 'v1'));
    await store.recordDeploy(deployReport('dp-2', '2026-11-26T11:00:00.000Z', 'v2'));
    await store.recordDeploy(deployReport('dp-3', '2026-11-26T11:00:00.000Z', 'v3', false));
    await store.recordDeploy(deployReport('dp-4', '2026-11-26T12:00:00.000Z', 'v9', true, 'staging'));
    const got = await store.deploys('production', 10);
    expect(got.map((d) => d.id)).toEqual(['dp-3', 'dp-2', 'dp-1']);
    expect(got[0]).toEqual(deployReport('dp-3', '2026-11-26T11:00:00.000Z', 'v3', false));
    expect((await store.deploys('production', 1)).map((d) => d.id)).toEqual(['dp-3']);
  });

  it('keeps every commit a version was reported with, newest first: a re-reported tag is kept, not replaced', async () => {
    const at = (h: number) => `2026-11-26T${String(h).padStart(2, '0')}:00:00.000Z`;
    const withCommit = (id: string, h: number, version: string, commit: string | null, accepted = true) => ({
      ...deployReport(id, at(h), version, accepted),
      commit,
    });
    await store.recordDeploy(withCommit('dp-1', 9, 'latest', 'aaaa111'));
    await store.recordDeploy(withCommit('dp-2', 10, 'latest', 'bbbb222'));
    await store.recordDeploy(withCommit('dp-3', 11, 'latest', 'aaaa111'));
    await store.recordDeploy(withCommit('dp-4', 12, 'latest', null));
    await store.recordDeploy(withCommit('dp-5', 13, 'latest', 'cccc333', false));
    await store.recordDeploy(withCommit('dp-6', 14, 'v2', 'dddd444'));
    await store.recordDeploy({ ...withCommit('dp-7', 15, 'latest', 'eeee555'), environment: 'staging' });
    // Refused reports (attempted while locked) and reports without a commit say nothing about what the tag is.
    expect(await store.deployedCommits('production', 'latest', 10)).toEqual(['aaaa111', 'bbbb222']);
    expect(await store.deployedCommits('production', 'latest', 1)).toEqual(['aaaa111']);
    expect(await store.deployedCommits('production', 'v9', 10)).toEqual([]);
    expect((await store.deploys('production', 10)).length).toBe(6);
  });

  it('marks the newest accepted report of a version as seen healthy, once', async () => {
    await store.recordDeploy(deployReport('dp-1', '2026-11-26T10:00:00.000Z', 'v1'));
    await store.recordDeploy(deployReport('dp-2', '2026-11-26T11:00:00.000Z', 'v1'));
    await store.recordDeploy(deployReport('dp-3', '2026-11-26T12:00:00.000Z', 'v1', false));
    expect(await store.markDeployVerified('production', 'v1', '2026-11-26T11:20:00.000Z')).toBe(true);
    expect(await store.markDeployVerified('production', 'v1', '2026-11-26T11:40:00.000Z')).toBe(false);
    expect(await store.markDeployVerified('production', 'v2', '2026-11-26T11:40:00.000Z')).toBe(false);
    expect(await store.markDeployVerified('staging', 'v1', '2026-11-26T11:40:00.000Z')).toBe(false);
    const got = await store.deploys('production', 10);
    expect(got.map((d) => [d.id, d.verifiedAt])).toEqual([
      ['dp-3', null],
      ['dp-2', '2026-11-26T11:20:00.000Z'],
      ['dp-1', null],
    ]);
  });

  const alert = (over: Partial<AlertSeen> = {}): AlertSeen => ({
    environment: 'production',
    fingerprint: 'f1a2b3c4d5e6f7a8',
    name: 'HighErrorRate',
    severity: 'critical',
    summary: '5xx above 5%',
    startsAt: '2026-11-26T10:00:00.000Z',
    generatorUrl: 'http://prometheus.example/graph?g0.expr=x',
    status: 'firing',
    at: '2026-11-26T10:00:05.000Z',
    ...over,
  });

  it('keeps alerts per environment and fingerprint; a retry updates the one row, the bot’s own fields stay', async () => {
    const first = await store.recordAlert(alert());
    expect(first).toEqual({
      environment: 'production',
      fingerprint: 'f1a2b3c4d5e6f7a8',
      name: 'HighErrorRate',
      severity: 'critical',
      summary: '5xx above 5%',
      startsAt: '2026-11-26T10:00:00.000Z',
      generatorUrl: 'http://prometheus.example/graph?g0.expr=x',
      status: 'firing',
      receivedAt: '2026-11-26T10:00:05.000Z',
      rollbackId: null,
      proposedAt: null,
      resolvedAt: null,
    });
    expect(await store.claimProposal('production', 'f1a2b3c4d5e6f7a8', '2026-11-26T10:00:06.000Z')).toBe(true);
    expect(await store.tieToRollback('production', 'f1a2b3c4d5e6f7a8', 'rb-1')).toBe(true);
    const again = await store.recordAlert(alert({ summary: null, severity: null, at: '2026-11-26T10:01:00.000Z' }));
    expect(again).toMatchObject({
      summary: null,
      severity: null,
      receivedAt: '2026-11-26T10:01:00.000Z',
      rollbackId: 'rb-1',
      proposedAt: '2026-11-26T10:00:06.000Z',
    });
    await store.recordAlert(alert({ environment: 'staging' }));
    expect((await store.firingAlerts(10)).map((a) => a.environment).sort()).toEqual(['production', 'staging']);
  });

  it('claims an alert’s proposal once, and ties it to each card once', async () => {
    await store.recordAlert(alert());
    const claims = await Promise.all([1, 2, 3].map(() => store.claimProposal('production', 'f1a2b3c4d5e6f7a8', AT)));
    expect(claims.filter(Boolean)).toHaveLength(1);
    expect(await store.claimProposal('staging', 'f1a2b3c4d5e6f7a8', AT)).toBe(false);
    const ties = await Promise.all([1, 2].map(() => store.tieToRollback('production', 'f1a2b3c4d5e6f7a8', 'rb-1')));
    expect(ties.filter(Boolean)).toHaveLength(1);
    expect(await store.tieToRollback('production', 'f1a2b3c4d5e6f7a8', 'rb-2')).toBe(true);
    expect(await store.tieToRollback('production', 'unknown', 'rb-2')).toBe(false);
  });

  it('resolves a firing alert once, naming the card it touched; a new firing makes it firing again', async () => {
    await store.recordAlert(alert());
    await store.tieToRollback('production', 'f1a2b3c4d5e6f7a8', 'rb-1');
    // Alertmanager's "resolved" is recorded (its fields) without changing the status: resolveAlert does that, once.
    const seen = await store.recordAlert(alert({ status: 'resolved', at: '2026-11-26T10:05:00.000Z' }));
    expect(seen.status).toBe('firing');
    const resolved = await Promise.all([1, 2].map(() => store.resolveAlert('production', 'f1a2b3c4d5e6f7a8', AT)));
    expect(resolved.filter((r) => r.first)).toEqual([{ first: true, rollbackId: 'rb-1' }]);
    expect(await store.firingAlerts(10)).toEqual([]);
    expect(await store.resolveAlert('production', 'never-seen', AT)).toEqual({ first: false, rollbackId: null });
    const refired = await store.recordAlert(alert({ at: '2026-11-26T11:00:00.000Z' }));
    expect(refired).toMatchObject({ status: 'firing', resolvedAt: null, rollbackId: 'rb-1' });
    // A resolved alert never seen firing is kept as resolved.
    expect((await store.recordAlert(alert({ fingerprint: 'other', status: 'resolved' }))).status).toBe('resolved');
  });

  it('hands out copies: changing what it returned changes nothing stored', async () => {
    const created = await store.create(draft('rb-copy'));
    if (!created.ok) throw new Error('not created');
    created.rollback.reason = 'changed';
    const got = await store.get('rb-copy');
    if (got) got.reason = 'changed too';
    expect((await store.get('rb-copy'))?.reason).toBe('errors');
  });
});
