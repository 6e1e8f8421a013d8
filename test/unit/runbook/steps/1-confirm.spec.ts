import { MemoryRollbackStore } from '../../../../src/adapters/memory/memory.rollback-store';
import { newRollback } from '../../../../src/domain/rollback';
import { type RollbackEvent } from '../../../../src/domain/rollback.events';
import { type ServiceVersion } from '../../../../src/domain/findings';
import { applyEvent } from '../../../../src/runbook/engine/context';
import { proposeTarget } from '../../../../src/runbook/steps/1-confirm';
import { deployReport } from '../../../support/fakes';

const AT = '2026-11-26T10:00:00.000Z';
const rollback = (requestedTarget: string | null, id = 'rb-new') =>
  newRollback({ id, environment: 'production', channel: 'C1', requestedBy: 'U1', at: AT, reason: '', requestedTarget });
const svc = (service: string, version: string | null, previousVersion: string | null): ServiceVersion => ({
  service,
  dockerService: `app-${service}`,
  version,
  previousVersion,
});

describe('proposeTarget', () => {
  let store: MemoryRollbackStore;
  let deps: { rollbacks: MemoryRollbackStore; verified: MemoryRollbackStore };
  beforeEach(() => {
    store = new MemoryRollbackStore();
    deps = { rollbacks: store, verified: store };
  });

  it('takes the version named in the request first', async () => {
    expect(await proposeTarget(deps, rollback('v7'), [svc('backend', 'v2', 'v1')])).toMatchObject({
      target: 'v7',
      source: 'requested',
    });
  });

  it("takes Swarm's PreviousSpec when every service agrees", async () => {
    expect(
      await proposeTarget(deps, rollback(null), [svc('backend', 'v2', 'v1'), svc('frontend', 'v2', 'v1')]),
    ).toMatchObject({ target: 'v1', source: 'swarm_previous_spec' });
  });

  it('falls back to the last verified version, and says why there is none when nothing fits', async () => {
    const services = [svc('backend', 'v2', 'v1'), svc('frontend', 'v2', 'v0')];
    expect(await proposeTarget(deps, rollback(null), services)).toMatchObject({
      target: null,
      note: 'the services disagree on their previous version (backend: v1, frontend: v0)',
    });
    await store.recordVerifiedVersion('production', 'backend', 'v1', AT);
    await store.recordVerifiedVersion('production', 'frontend', 'v1', AT);
    expect(await proposeTarget(deps, rollback(null), services)).toMatchObject({
      target: 'v1',
      source: 'last_verified',
    });
    const empty = new MemoryRollbackStore();
    expect(
      (await proposeTarget({ rollbacks: empty, verified: empty }, rollback(null), [svc('backend', 'v2', null)])).note,
    ).toContain('Swarm kept no previous spec');
  });

  it('does not propose rolling forward to the version the last rollback moved away from', async () => {
    // The last completed rollback took the services from v2 to v1; Swarm's PreviousSpec now says v2.
    const done = rollback('v1', 'rb-old');
    await store.create(done);
    const results = [
      {
        service: 'backend',
        dockerService: 'app-backend',
        outcome: 'rolled_back' as const,
        fromVersion: 'v2',
        toVersion: 'v1',
        runningVersion: 'v1',
      },
    ];
    const findings = {
      health: null,
      ready: null,
      services: [],
      target: 'v1',
      targetSource: 'requested' as const,
      targetNote: '',
    };
    const events: RollbackEvent[] = [
      { type: 'ConfirmationStarted', at: AT },
      { type: 'IssueConfirmed', at: AT, findings },
      { type: 'ApprovalGranted', at: AT, by: 'U0IC' },
      { type: 'RollbackAnnounced', at: AT, message: { channel: 'C1', ts: '1.1' } },
      { type: 'ServicesRolledBack', at: AT, results },
      { type: 'RollbackVerified', at: AT, evidence: { health: { url: 'h', ok: true, attempts: 1 }, smokeTests: [] } },
    ];
    for (const e of events) expect((await applyEvent(store, 'rb-old', e)).ok).toBe(true);
    const proposal = await proposeTarget(deps, rollback(null), [svc('backend', 'v1', 'v2')]);
    expect(proposal.target).toBeNull();
    expect(proposal.note).toContain('the version rollback rb-old moved away from');
  });

  describe('after rollbacks that may have changed production (Step 3 started), until an incident commander clears', () => {
    /** A rollback of production requested at `at` that took every service from `from` to `to`, ending as `end`. */
    async function rolledBack(
      id: string,
      at: string,
      from: string,
      to: string,
      end: 'completed' | 'verify_failed' | 'execute_failed' | 'interrupted' | 'unresolved',
    ): Promise<void> {
      const r = newRollback({
        id,
        environment: 'production',
        channel: 'C1',
        requestedBy: 'U1',
        at,
        reason: '',
        requestedTarget: null,
      });
      expect((await store.create(r)).ok).toBe(true);
      const services = ['backend', 'frontend'].map((s) => svc(s, from, 'v0'));
      const results = services.map((s, i) => ({
        service: s.service,
        dockerService: s.dockerService,
        outcome: end === 'execute_failed' && i === 1 ? ('failed' as const) : ('rolled_back' as const),
        fromVersion: from,
        toVersion: to,
        runningVersion: end === 'execute_failed' && i === 1 ? from : to,
      }));
      const findings = {
        health: null,
        ready: null,
        services,
        target: to,
        targetSource: 'swarm_previous_spec' as const,
        targetNote: '',
      };
      const evidence = { health: { url: 'h', ok: end === 'completed', attempts: 1 }, smokeTests: [] };
      const events: RollbackEvent[] = [
        { type: 'ConfirmationStarted', at },
        { type: 'IssueConfirmed', at, findings },
        { type: 'ApprovalGranted', at, by: 'U0IC' },
        { type: 'RollbackAnnounced', at, message: { channel: 'C1', ts: '1.1' } },
      ];
      if (end === 'completed' || end === 'verify_failed') events.push({ type: 'ServicesRolledBack', at, results });
      if (end === 'completed') events.push({ type: 'RollbackVerified', at, evidence });
      if (end === 'verify_failed') events.push({ type: 'VerificationFailed', at, reason: 'unhealthy', evidence });
      if (end === 'execute_failed') events.push({ type: 'ExecutionFailed', at, reason: 'update paused', results });
      if (end === 'interrupted') events.push({ type: 'RollbackInterrupted', at, reason: 'restart', services: [] });
      if (end === 'unresolved') {
        events.push({ type: 'OutcomeUnknown', at, reason: 'Docker gone', services: [] });
        events.push({ type: 'LockReleased', at, by: 'U0IC' });
      }
      for (const e of events) expect((await applyEvent(store, id, e)).ok).toBe(true);
    }

    it.each(['verify_failed', 'execute_failed', 'interrupted', 'unresolved'] as const)(
      'never proposes the version a rollback that ended %s moved away from',
      async (end) => {
        await rolledBack('rb-bad', '2026-11-26T09:00:00.000Z', 'v2', 'v1', end);
        const proposal = await proposeTarget(deps, rollback(null), [
          svc('backend', 'v1', 'v2'),
          svc('frontend', 'v1', 'v2'),
        ]);
        expect(proposal.target).toBeNull();
        expect(proposal.note).toContain('the version rollback rb-bad moved away from');
      },
    );

    it('never proposes a version any rollback since the last clearing moved away from, from any source', async () => {
      // v3 was bad: rolled back to v2 (completed, not cleared). v2 was bad too: rolled back to v1, Step 4 failed.
      await rolledBack('rb-first', '2026-11-26T08:00:00.000Z', 'v3', 'v2', 'completed');
      await rolledBack('rb-second', '2026-11-26T09:00:00.000Z', 'v2', 'v1', 'verify_failed');
      // The bot saw v3 healthy for every service before it went bad.
      await store.recordVerifiedVersion('production', 'backend', 'v3', AT);
      await store.recordVerifiedVersion('production', 'frontend', 'v3', AT);
      const now = [svc('backend', 'v1', 'v2'), svc('frontend', 'v1', 'v2')];
      const proposal = await proposeTarget(deps, rollback(null), now);
      expect(proposal.target).toBeNull();
      expect(proposal.note).toContain('the version rollback rb-second moved away from');
      // Swarm's PreviousSpec is v3 (someone re-deployed it by hand): still the version rb-first moved away from.
      const byHand = [svc('backend', 'v1', 'v3'), svc('frontend', 'v1', 'v3')];
      expect((await proposeTarget(deps, rollback(null), byHand)).target).toBeNull();
      // No PreviousSpec (a service re-created): the last version the bot verified, v3, is one rb-first moved away from.
      const noSpec = [svc('backend', 'v1', null), svc('frontend', 'v1', null)];
      expect(await proposeTarget(deps, rollback(null), noSpec)).toMatchObject({
        target: null,
        note: expect.stringContaining(
          'the last version this bot verified healthy is v3, the version rollback rb-first',
        ),
      });

      // An incident commander clears the environment (on its newest rollback): the guard starts afresh.
      const applied = await applyEvent(store, 'rb-second', { type: 'RootCauseCleared', at: AT, by: 'U0IC' });
      expect(applied.ok).toBe(true);
      expect(await proposeTarget(deps, rollback(null), now)).toMatchObject({
        target: 'v2',
        source: 'swarm_previous_spec',
      });
    });

    it('proposes a version named with `to` even so, flagged for an acknowledgement', async () => {
      await rolledBack('rb-bad', '2026-11-26T09:00:00.000Z', 'v2', 'v1', 'verify_failed');
      const now = [svc('backend', 'v1', 'v2'), svc('frontend', 'v1', 'v2')];
      expect(await proposeTarget(deps, rollback('v2'), now)).toMatchObject({
        target: 'v2',
        source: 'requested',
        rolledBackFrom: { rollbackId: 'rb-bad', status: 'failed' },
      });
      expect(await proposeTarget(deps, rollback('v0'), now)).not.toHaveProperty('rolledBackFrom');
    });

    it('skips those versions among the deploys CI reported', async () => {
      await store.recordDeploy(deployReport('dp-1', '2026-11-26T07:00:00.000Z', 'v0'));
      await store.recordDeploy(deployReport('dp-2', '2026-11-26T08:00:00.000Z', 'v1'));
      await store.recordDeploy(deployReport('dp-3', '2026-11-26T08:30:00.000Z', 'v2'));
      // v1 went bad too (after an earlier, cleared rollback from v2): rolled back to v0, interrupted mid-update.
      await rolledBack('rb-bad', '2026-11-26T09:00:00.000Z', 'v1', 'v0', 'interrupted');
      // What runs cannot be read (a whole-environment strategy without a version on /health): CI's newest report, v2,
      // is taken as current; the deploy before it, v1, is what rb-bad moved away from.
      const proposal = await proposeTarget({ ...deps, deploys: store }, rollback(null), [svc('backend', null, null)]);
      expect(proposal).toMatchObject({ target: 'v0', source: 'previous_deploy' });
    });
  });

  it('without a previous spec or a verified version, proposes the deploy CI reported before the current one', async () => {
    await store.recordDeploy(deployReport('dp-1', '2026-11-26T08:00:00.000Z', 'v1'));
    await store.recordDeploy(deployReport('dp-2', '2026-11-26T09:00:00.000Z', 'v2'));
    // Refused while locked: never what runs, never proposed.
    await store.recordDeploy(deployReport('dp-3', '2026-11-26T09:30:00.000Z', 'v9', false));
    const withDeploys = { ...deps, deploys: store };
    expect(await proposeTarget(withDeploys, rollback(null), [svc('backend', 'v2', null)])).toEqual({
      target: 'v1',
      source: 'previous_deploy',
      note: 'the deploy before v2, as CI reported it (the bot never saw it healthy: check it is good)',
    });
    // What runs is unknown (a whole-environment strategy without probing): the newest report is taken as current.
    expect((await proposeTarget(withDeploys, rollback(null), [svc('backend', null, null)])).target).toBe('v1');
    // Without reports nothing changes.
    expect((await proposeTarget(deps, rollback(null), [svc('backend', 'v2', null)])).target).toBeNull();
  });

  it('prefers the last deploy before the bad one that the bot saw healthy, and never one after what runs', async () => {
    const store2 = new MemoryRollbackStore();
    const d = { rollbacks: store2, verified: store2, deploys: store2 };
    await store2.recordDeploy(deployReport('dp-1', '2026-11-26T08:00:00.000Z', 'v1'));
    await store2.recordDeploy(deployReport('dp-2', '2026-11-26T08:30:00.000Z', 'v2'));
    await store2.recordDeploy(deployReport('dp-3', '2026-11-26T09:00:00.000Z', 'v3'));
    await store2.recordDeploy(deployReport('dp-4', '2026-11-26T09:30:00.000Z', 'v4'));
    // Nothing seen healthy: the deploy just before what runs (v3), never the one after it (v4: someone went back to
    // v3 by hand since).
    expect(await proposeTarget(d, rollback(null), [svc('backend', 'v3', null)])).toMatchObject({ target: 'v2' });
    // v1 stayed healthy through its close watch; v2 went out and v3 over it before anyone saw v2 healthy.
    expect(await store2.markDeployVerified('production', 'v1', '2026-11-26T08:15:00.000Z')).toBe(true);
    expect(await proposeTarget(d, rollback(null), [svc('backend', 'v3', null)])).toEqual({
      target: 'v1',
      source: 'previous_deploy',
      note: 'the last deploy before v3 that the bot saw healthy (26 Nov 2026 08:15 UTC), as CI reported it',
    });
  });
});
