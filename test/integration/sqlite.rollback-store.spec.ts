/** The SQLite adapter's own concerns, beyond the contract (test/contract): a real file, kept across a reopen. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteRollbackStore } from '../../src/adapters/sqlite/sqlite.rollback-store';
import { newRollback } from '../../src/domain/rollback.machine';
import { applyEvent } from '../../src/runbook/context';

const AT = '2026-11-26T10:00:00.000Z';
const draft = (id: string, environment = 'production') =>
  newRollback({
    id,
    environment,
    channel: 'C1',
    requestedBy: 'U0ONCALL',
    at: AT,
    reason: 'errors',
    requestedTarget: null,
  });

describe('SqliteRollbackStore', () => {
  let dir: string;
  let file: string;
  let store: SqliteRollbackStore;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'rollback-store-'));
    file = join(dir, 'nested', 'rollback.db');
    store = new SqliteRollbackStore(file);
  });
  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps everything across a reopen of the file', () => {
    store.create(draft('rb-1'));
    applyEvent(store, 'rb-1', { type: 'ConfirmationStarted', at: AT });
    store.recordVerifiedVersion('production', 'backend', 'v1', AT);
    store.close();
    store = new SqliteRollbackStore(file);
    expect(store.get('rb-1')).toMatchObject({ status: 'confirming', version: 2 });
    expect(store.lastVerifiedVersion('production', 'backend')).toBe('v1');
    expect(store.lastVerifiedVersion('production', 'frontend')).toBeNull();
    expect(store.list({ statuses: ['confirming'], limit: 5 }).map((r) => r.id)).toEqual(['rb-1']);
    expect(store.create(draft('rb-2')).ok).toBe(false);
  });
});
