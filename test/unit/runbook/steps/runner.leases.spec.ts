/**
 * The runner's lease: renewed while a step runs; a renewal that throws (SQLITE_BUSY, disk full) never takes the
 * process down, and a lease found lost stops the rollback before it persists anything more.
 */
import { SqliteStore } from '../../../../src/adapters/sqlite/sqlite.store';
import type { RunbookDeps } from '../../../../src/runbook/engine/context';
import { applyEvent } from '../../../../src/runbook/engine/context';
import { RollbackRunner } from '../../../../src/runbook/steps/runner';
import {
  approvedEvents,
  directoryOf,
  draftRollback,
  healthyProbe,
  RecordingNotifier,
  recordingLog,
  unitConfig,
} from '../../../support/fakes';
import { CountingTarget } from '../../../support/sim-env';

jest.setTimeout(20_000);

const lines: string[] = [];

/** A rollback as it stands once announced, stored: the runner's next step is Step 3. */
async function announced(store: SqliteStore): Promise<string> {
  const at = new Date().toISOString();
  const created = await store.create(draftRollback(at, { id: 'rb-lease' }));
  if (!created.ok) throw new Error('not created');
  for (const e of [
    ...approvedEvents(at),
    { type: 'RollbackAnnounced', at, message: { channel: 'C0INCIDENT', ts: '1.2' } } as const,
  ]) {
    const applied = await applyEvent(store, 'rb-lease', e);
    if (!applied.ok) throw new Error(applied.rejection.message);
  }
  return 'rb-lease';
}

function depsWith(store: SqliteStore, runtime = new CountingTarget(2500)): RunbookDeps {
  return {
    config: unitConfig(),
    rollbacks: store,
    leases: store,
    reports: store,
    verified: store,
    runtime,
    probe: healthyProbe('v1'),
    notifier: new RecordingNotifier(),
    directory: directoryOf(['U0IC']),
    clock: { now: () => new Date() },
    log: recordingLog(lines),
  };
}

describe('runner leases', () => {
  let crashes: unknown[];
  const onCrash = (err: unknown) => crashes.push(err);
  beforeEach(() => {
    crashes = [];
    lines.length = 0;
    process.on('uncaughtException', onCrash);
  });
  afterEach(() => process.off('uncaughtException', onCrash));

  it('a renewal that throws once is logged, and the rollback goes on', async () => {
    const store = new SqliteStore(':memory:');
    const id = await announced(store);
    const claim = store.claim.bind(store);
    let calls = 0;
    store.claim = async (...args) => {
      calls++;
      if (calls === 2) throw new Error('SQLITE_BUSY: database is locked');
      return claim(...args);
    };
    const runner = new RollbackRunner(depsWith(store), { owner: 'test-owner', leaseMs: 1500 });
    await runner.drive(id);
    expect(crashes).toEqual([]);
    expect(calls).toBeGreaterThanOrEqual(2);
    expect((await store.get(id))?.status).toBe('completed');
    expect(lines.join('\n')).toContain('lease renewal failed');
  });

  it('a lease found lost stops the rollback before it persists the step’s result', async () => {
    const store = new SqliteStore(':memory:');
    const id = await announced(store);
    const claim = store.claim.bind(store);
    let calls = 0;
    store.claim = async (...args) => (++calls === 1 ? claim(...args) : false);
    const runner = new RollbackRunner(depsWith(store), { owner: 'test-owner', leaseMs: 1500 });
    await runner.drive(id);
    expect(crashes).toEqual([]);
    expect((await store.get(id))?.status).toBe('executing');
    expect(lines.join('\n')).toContain('lease lost');
  });

  it('two live boots of one instance (an old and a new task of one Swarm slot): Step 3 runs once', async () => {
    const store = new SqliteStore(':memory:');
    const id = await announced(store);
    const target = new CountingTarget(1000);
    const old = new RollbackRunner(depsWith(store, target), { owner: 'bot-1#old', leaseMs: 3000 });
    const driving = old.drive(id);
    await waitFor(() => target.updates.length > 0);
    // The new boot starts while the old one is in the middle of Step 3, and looks for work nobody drives.
    const young = new RollbackRunner(depsWith(store, target), { owner: 'bot-1#new', leaseMs: 3000 });
    expect(await store.orphans(Date.now(), 10)).toEqual([]);
    await young.drive(id, { resumed: true });
    await driving;
    expect((await store.get(id))?.status).toBe('completed');
    const services = unitConfig().environments.production.services.map((s) => s.docker_service);
    expect(target.updates.map((u) => u.service).sort()).toEqual([...services].sort());
    expect(lines.join('\n')).toContain('another live instance is driving this rollback');
  });
});

async function waitFor(probe: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}
