/** The SQLite adapter's own concerns, beyond the contract (test/contract): a real file, kept across a reopen. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../../src/adapters/sqlite/sqlite.store';
import { applyEvent } from '../../src/runbook/engine/context';
import Database from 'better-sqlite3';
import type { RollbackEvent } from '../../src/domain/rollback.events';
import { approvedEvents, deployReport, draftRollback, rollbackAfter } from '../support/fakes';

const AT = '2026-11-26T10:00:00.000Z';
const draft = (id: string, environment = 'production') => draftRollback(AT, { id, environment });

describe('SqliteRollbackStore', () => {
  let dir: string;
  let file: string;
  let store: SqliteStore;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'rollback-store-'));
    file = join(dir, 'nested', 'rollback.db');
    store = new SqliteStore(file);
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('upgrades a file from before deploys were marked seen healthy: its reports kept, the new column added', async () => {
    await store.close();
    const old = join(dir, 'old.db');
    const db = new Database(old);
    db.exec(`CREATE TABLE deploy_reports (id TEXT PRIMARY KEY, environment TEXT NOT NULL, version TEXT NOT NULL,
      commit_sha TEXT, actor TEXT, url TEXT, caller TEXT NOT NULL, at TEXT NOT NULL, accepted INTEGER NOT NULL)`);
    db.prepare(
      `INSERT INTO deploy_reports VALUES ('dp-1', 'production', 'v1', 'abc1234', 'CI run #812', NULL, 'github-ci', ?, 1)`,
    ).run(AT);
    db.close();
    store = new SqliteStore(old);
    expect(await store.deploys('production', 5)).toEqual([deployReport('dp-1', AT, 'v1')]);
    expect(await store.markDeployVerified('production', 'v1', AT)).toBe(true);
    expect((await store.deploys('production', 5))[0].verifiedAt).toBe(AT);
  });

  it('upgrades a file from before rollbacks were numbered: the ones it holds in the order of their request time', async () => {
    await store.close();
    const old = join(dir, 'old.db');
    const db = new Database(old);
    db.exec(`CREATE TABLE rollbacks (id TEXT PRIMARY KEY, environment TEXT NOT NULL, status TEXT NOT NULL,
      version INTEGER NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL, state TEXT NOT NULL)`);
    const insert = db.prepare('INSERT INTO rollbacks VALUES (?, ?, ?, 1, ?, ?, ?)');
    const failedInStep3 = (id: string, at: string, cleared: boolean) => {
      const events: RollbackEvent[] = [
        ...approvedEvents(at),
        { type: 'RollbackAnnounced', at, message: { channel: 'C0INCIDENT', ts: '1.1' } },
        { type: 'ExecutionFailed', at, reason: 'update paused', results: [] },
        ...(cleared ? [{ type: 'RootCauseCleared' as const, at, by: 'U0IC' }] : []),
      ];
      const r = rollbackAfter(draftRollback(at, { id }), events);
      insert.run(id, 'production', r.status, at, at, JSON.stringify(r));
    };
    // Stored out of order: the later request first.
    failedInStep3('rb-late', '2026-11-26T12:00:00.000Z', false);
    failedInStep3('rb-cleared', '2026-11-26T11:00:00.000Z', true);
    failedInStep3('rb-early', '2026-11-26T10:00:00.000Z', false);
    db.close();
    store = new SqliteStore(old);
    expect((await store.marks('production')).map((r) => r.id)).toEqual(['rb-late']);
    expect((await store.create(draft('rb-new'))).ok).toBe(true);
    for (const e of [
      ...approvedEvents(AT),
      { type: 'RollbackAnnounced', at: AT, message: { channel: 'C0INCIDENT', ts: '1.1' } },
    ] as RollbackEvent[])
      expect((await applyEvent(store, 'rb-new', e)).ok).toBe(true);
    expect((await store.marks('production')).map((r) => r.id)).toEqual(['rb-new', 'rb-late']);
  });

  it('keeps everything across a reopen of the file', async () => {
    await store.create(draft('rb-1'));
    await applyEvent(store, 'rb-1', { type: 'ConfirmationStarted', at: AT });
    await store.recordVerifiedVersion('production', 'backend', 'v1', AT);
    await store.close();
    store = new SqliteStore(file);
    expect(await store.get('rb-1')).toMatchObject({ status: 'confirming', version: 2 });
    expect(await store.lastVerifiedVersion('production', 'backend')).toBe('v1');
    expect(await store.lastVerifiedVersion('production', 'frontend')).toBeNull();
    expect((await store.list({ statuses: ['confirming'], limit: 5 })).map((r) => r.id)).toEqual(['rb-1']);
    expect((await store.create(draft('rb-2'))).ok).toBe(false);
  });

  it("keeps an environment's mark across a reopen: a rollback that failed in Step 3 until an incident commander clears it", async () => {
    await store.create(draft('rb-1'));
    for (const e of [
      ...approvedEvents(AT),
      { type: 'RollbackAnnounced', at: AT, message: { channel: 'C0INCIDENT', ts: '1.1' } },
      { type: 'ExecutionFailed', at: AT, reason: 'update paused', results: [] },
    ] as RollbackEvent[])
      expect((await applyEvent(store, 'rb-1', e)).ok).toBe(true);
    await store.close();
    store = new SqliteStore(file);
    expect((await store.marks('production')).map((r) => r.id)).toEqual(['rb-1']);
    expect((await applyEvent(store, 'rb-1', { type: 'RootCauseCleared', at: AT, by: 'U0IC' })).ok).toBe(true);
    await store.close();
    store = new SqliteStore(file);
    expect(await store.marks('production')).toEqual([]);
  });
});
