import { MemoryRollbackStore } from '../../../src/adapters/memory/memory.rollback-store';
import { newRollback, type RollbackEvent } from '../../../src/domain/rollback.machine';
import { type ServiceVersion } from '../../../src/domain/findings';
import { applyEvent } from '../../../src/runbook/context';
import { proposeTarget } from '../../../src/runbook/confirm';
import { deployReport } from '../../support/fakes';

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
      note: 'the last deploy before v3 that the bot saw healthy (2026-11-26T08:15:00.000Z), as CI reported it',
    });
  });
});
