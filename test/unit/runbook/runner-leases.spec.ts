/**
 * The runner's lease: renewed while a step runs; a renewal that throws (SQLITE_BUSY, disk full) never takes the
 * process down, and a lease found lost stops the rollback before it persists anything more.
 */
import { SqliteStore } from '../../../src/adapters/sqlite/sqlite.store';
import { configSchema } from '../../../src/config/config.schema';
import { newRollback, type Rollback, type RollbackEvent, transition } from '../../../src/domain/rollback.machine';
import type { HealthProbe, Log, Notifier } from '../../../src/ports';
import type { RunbookDeps } from '../../../src/runbook/context';
import { RollbackRunner } from '../../../src/runbook/runner';
import { CountingTarget, SIM_SERVICES } from '../../support/sim-env';

jest.setTimeout(20_000);

const lines: string[] = [];
const log: Log = {
  debug: () => undefined,
  info: (_o, msg) => void lines.push(`info ${msg}`),
  warn: (_o, msg) => void lines.push(`warn ${msg}`),
  error: (_o, msg) => void lines.push(`error ${msg}`),
  child: () => log,
};
const noop = async () => undefined;
const notifier = {
  postCard: async () => ({ channel: 'C0INCIDENT', ts: '1.1' }),
  progress: noop,
  announce: async () => ({ channel: 'C0INCIDENT', ts: '1.2' }),
  schedule: noop,
  postChecklist: async () => ({ channel: 'C0INCIDENT', ts: '1.3' }),
  reportsAlert: noop,
} as unknown as Notifier;
const probe: HealthProbe = {
  probe: async (url) => ({ url, ok: true, attempts: 1, status: 200, version: 'v1' }),
  smokeTest: async (t) => ({
    name: t.name,
    url: t.url,
    ok: true,
    expectedStatus: t.expectStatus,
    status: t.expectStatus,
  }),
};
const config = configSchema.parse({
  roles: { incident_commanders: { users: ['U0IC'] } },
  environments: {
    production: {
      channel: 'C0INCIDENT',
      strategy: 'docker',
      health: { url: 'http://127.0.0.1:1/health' },
      services: SIM_SERVICES,
    },
  },
});

/** A rollback as it stands once announced: the runner's next step is Step 3. */
async function announced(store: SqliteStore): Promise<string> {
  const at = new Date().toISOString();
  const created = await store.create(
    newRollback({
      id: 'rb-lease',
      environment: 'production',
      channel: 'C0INCIDENT',
      requestedBy: 'U0ONCALL',
      at,
      reason: 'errors',
      requestedTarget: null,
    }),
  );
  if (!created.ok) throw new Error('not created');
  let r: Rollback = created.rollback;
  const services = SIM_SERVICES.map((s) => ({
    service: s.name,
    dockerService: s.docker_service,
    version: 'v2',
    previousVersion: 'v1',
  }));
  const events: RollbackEvent[] = [
    { type: 'CardPosted', at, card: { channel: 'C0INCIDENT', ts: '1.1' } },
    { type: 'ConfirmationStarted', at },
    {
      type: 'IssueConfirmed',
      at,
      findings: {
        health: null,
        ready: null,
        services,
        target: 'v1',
        targetSource: 'swarm_previous_spec',
        targetNote: '',
      },
    },
    { type: 'ApprovalGranted', at, by: 'U0IC' },
    { type: 'RollbackAnnounced', at, message: { channel: 'C0INCIDENT', ts: '1.2' } },
  ];
  for (const e of events) {
    const next = transition(r, e);
    if (!next.ok) throw new Error(next.rejection.message);
    r = (await store.save(r.version, next.state, e)) as Rollback;
  }
  return r.id;
}

function depsWith(store: SqliteStore): RunbookDeps {
  return {
    config,
    rollbacks: store,
    leases: store,
    reports: store,
    verified: store,
    runtime: new CountingTarget(2500),
    probe,
    notifier,
    directory: { isIncidentCommander: async () => true },
    clock: { now: () => new Date() },
    log,
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
});
