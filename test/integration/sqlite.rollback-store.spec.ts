/** The SQLite adapter's own concerns, beyond the contract (test/contract): a real file, kept across a reopen. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../../src/adapters/sqlite/sqlite.store';
import { applyEvent } from '../../src/runbook/context';
import { draftRollback } from '../support/fakes';

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
});
