/**
 * The composition root's own decisions, on the real bot against the fake Slack Web API and a SQLite file (the rest of
 * it is wiring, exercised end to end by test/e2e/ and test/faults/): which store a ROLLBACK_DB selects, the instance
 * id, readiness naming the part that does not answer, and the first sweep picking up a rollback nobody drives.
 */
import { join } from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { SqliteRollbackStore } from '../../src/adapters/sqlite/sqlite.rollback-store';
import { isPostgresUrl } from '../../src/bot';
import { type Harness, startHarness } from '../support/bot-harness';
import { draftRollback, healthyProbe, unitConfig } from '../support/fakes';
import { CountingTarget } from '../support/sim-env';
import { until } from '../support/wait';

describe('isPostgresUrl', () => {
  it('selects Postgres for a postgres:// or postgresql:// URL, SQLite for anything else', () => {
    expect(isPostgresUrl('postgres://bot:pw@db:5432/r')).toBe(true);
    expect(isPostgresUrl('POSTGRESQL://db/r')).toBe(true);
    expect(isPostgresUrl('./data/rollback.db')).toBe(false);
    expect(isPostgresUrl('/data/postgres://x.db')).toBe(false);
  });
});

describe('startBot', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.stop();
    h = undefined;
  });

  it('takes the instance id it is given, and is ready when the store and the Docker engine answer', async () => {
    const runtime = new CountingTarget(0);
    h = await startHarness(unitConfig(), { runtime, probe: healthyProbe('v1'), instanceId: 'bot-7' });
    expect(h.bot.instance).toBe('bot-7');
    await expect(h.bot.ready()).resolves.toBeUndefined();
    runtime.ping = async () => {
      throw new Error('connect ENOENT /var/run/docker.sock');
    };
    await expect(h.bot.ready()).rejects.toThrow('the Docker engine does not answer');
    await until(
      () => h?.logLines.some((l) => l.includes('not ready: the Docker engine does not answer')) ?? false,
      'the reason logged',
      2000,
    );
  });

  it('names itself after the host and a random part when it listens on any port', async () => {
    h = await startHarness(unitConfig(), { runtime: new CountingTarget(0), probe: healthyProbe('v1') });
    expect(h.bot.instance).toMatch(/^[^:]+:[0-9a-f]{8}$/);
  });

  it('picks up at start a rollback nobody drives (its driver died), and runs it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rollback-bot-spec-'));
    const dbFile = join(dir, 'rollback.db');
    try {
      const before = new SqliteRollbackStore(dbFile);
      before.create(draftRollback(new Date().toISOString()), { owner: 'dead#1', until: 0 });
      before.close();
      h = await startHarness(unitConfig(), { runtime: new CountingTarget(0), probe: healthyProbe('v1'), dbFile });
      await until(async () => (await h?.bot.store.get('rb-1'))?.status === 'awaiting_approval', 'Step 1 ran', 5000);
    } finally {
      await h?.stop();
      h = undefined;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
