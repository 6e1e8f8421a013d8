/** The runbook's context: applying an event with compare-and-set (a lost race re-reads), and the environment of a rollback. */
import { MemoryRollbackStore } from '../../../../src/adapters/memory/memory.rollback-store';
import { applyEvent, environmentOf, nowIso } from '../../../../src/runbook/engine/context';
import { transition } from '../../../../src/domain/rollback.transitions';
import { draftRollback, unitConfig } from '../../../support/fakes';

const AT = '2026-12-01T10:00:00.000Z';

async function storeWithDraft(): Promise<MemoryRollbackStore> {
  const store = new MemoryRollbackStore();
  await store.create(draftRollback(AT));
  return store;
}

describe('applyEvent', () => {
  it('runs the event through the state machine and saves the next state, returning it and the one before', async () => {
    const store = await storeWithDraft();
    const applied = await applyEvent(store, 'rb-1', { type: 'ConfirmationStarted', at: AT });
    expect(applied).toMatchObject({ ok: true, rollback: { status: 'confirming' }, previous: { status: 'requested' } });
    expect((await store.get('rb-1'))?.status).toBe('confirming');
    expect((await store.timeline('rb-1')).map((e) => e.type)).toEqual(['Requested', 'ConfirmationStarted']);
  });

  it('answers a rejection, and saves nothing, for an event not valid in the current state', async () => {
    const store = await storeWithDraft();
    const applied = await applyEvent(store, 'rb-1', { type: 'ApprovalGranted', at: AT, by: 'U0IC' });
    expect(applied.ok).toBe(false);
    expect((await store.get('rb-1'))?.status).toBe('requested');
  });

  it('answers NOT_FOUND for an unknown rollback', async () => {
    expect(await applyEvent(new MemoryRollbackStore(), 'rb-x', { type: 'ConfirmationStarted', at: AT })).toEqual({
      ok: false,
      rejection: { code: 'NOT_FOUND', message: 'no rollback rb-x' },
    });
  });

  it('re-reads after a lost compare-and-set, so the loser sees the winner’s state', async () => {
    const store = await storeWithDraft();
    const save = store.save.bind(store);
    let races = 1;
    // Another replica writes the same event between our read and our save, once.
    store.save = async (version, next, event) => {
      const current = await store.get('rb-1');
      if (races-- > 0 && current) {
        const won = transition(current, event);
        if (won.ok) await save(current.version, won.state, event);
      }
      return save(version, next, event);
    };
    const applied = await applyEvent(store, 'rb-1', { type: 'ConfirmationStarted', at: AT });
    expect(applied.ok).toBe(false);
    expect((await store.get('rb-1'))?.status).toBe('confirming');
  });

  it('gives up with CONFLICT when the rollback keeps changing under it', async () => {
    const store = await storeWithDraft();
    let saves = 0;
    store.save = async () => {
      saves++;
      return null;
    };
    expect(await applyEvent(store, 'rb-1', { type: 'ConfirmationStarted', at: AT })).toEqual({
      ok: false,
      rejection: { code: 'CONFLICT', message: 'rollback rb-1 kept changing under us' },
    });
    expect(saves).toBe(5);
  });
});

describe('environmentOf and nowIso', () => {
  it('finds the rollback’s environment, and says so loudly when the config lost it', () => {
    const config = unitConfig();
    expect(environmentOf(config, draftRollback(AT)).channel).toBe('C0INCIDENT');
    expect(() => environmentOf(config, draftRollback(AT, { environment: 'staging' }))).toThrow(
      'environment "staging" is no longer in the config',
    );
    expect(nowIso({ now: () => new Date(AT) })).toBe(AT);
  });
});
