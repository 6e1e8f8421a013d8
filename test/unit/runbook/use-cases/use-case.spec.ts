/** What every use case shares: rollback ids, who may act (a failed lookup is never a yes), recorded refusals. */
import type { Rollback } from '../../../../src/domain/rollback';
import { newRollbackId, type Outcome, UseCase } from '../../../../src/runbook/use-cases/use-case';
import { draftRollback, quietLog, unitWorld, type UnitWorld } from '../../../support/fakes';
import { useCaseContext } from '../../../support/use-case-fakes';

/** The smallest use case: it opens the shared helpers to the test. */
class Probe extends UseCase {
  asIc(id: string, userId: string): Promise<{ rollback: Rollback } | { refused: Outcome }> {
    return this.asIncidentCommander(id, userId, 'tick the checklist');
  }
  unknown(name: string): string {
    return this.unknownEnvironment(name);
  }
}

async function worldWithRollback(over: Parameters<typeof unitWorld>[1] = {}): Promise<{ w: UnitWorld; p: Probe }> {
  const w = unitWorld(undefined, over);
  const created = await w.store.create(draftRollback('2026-12-01T10:00:00.000Z'), {
    owner: 'unit#1',
    until: Date.parse('2026-12-01T11:00:00.000Z'),
  });
  expect(created.ok).toBe(true);
  return { w, p: new Probe(useCaseContext(w)) };
}

describe('newRollbackId', () => {
  it('is short, lower-case and safe in a button value', () => {
    const ids = new Set(Array.from({ length: 200 }, () => newRollbackId()));
    expect(ids.size).toBe(200);
    for (const id of ids) expect(id).toMatch(/^rb-[a-z0-9x]{8}$/);
  });
});

describe('asIncidentCommander', () => {
  it('hands the rollback to an incident commander', async () => {
    const { p } = await worldWithRollback();
    const out = await p.asIc('rb-1', 'U0IC');
    expect(out).toMatchObject({ rollback: { id: 'rb-1' } });
  });

  it('refuses anyone else, and records the refusal in the timeline only', async () => {
    const { w, p } = await worldWithRollback();
    const before = await w.store.get('rb-1');
    const out = await p.asIc('rb-1', 'U0ONCALL');
    expect(out).toEqual({
      refused: {
        kind: 'refused',
        message: 'Only an incident commander can tick the checklist. Ask one of them in this channel.',
      },
    });
    expect(await w.store.get('rb-1')).toEqual(before);
    const refusals = (await w.store.timeline('rb-1')).filter((e) => e.type === 'ApprovalRefused');
    expect(refusals).toHaveLength(1);
    expect(w.notifier.eventsOf('rb-1')).toEqual(['ApprovalRefused']);
  });

  it('answers, never allows, when the incident commander lookup fails', async () => {
    const { w, p } = await worldWithRollback({
      directory: {
        isIncidentCommander: async () => {
          throw new Error('users.info timed out');
        },
        displayNames: async () => new Map(),
      },
      log: quietLog,
    });
    const out = await p.asIc('rb-1', 'U0IC');
    expect(out).toEqual({
      refused: {
        kind: 'refused',
        message: expect.stringMatching(/^Could not check whether you are an incident commander \(.*timed out.*\)/),
      },
    });
    expect((await w.store.timeline('rb-1')).map((e) => e.type)).not.toContain('ApprovalRefused');
  });

  it('names a rollback that does not exist', async () => {
    const { p } = await worldWithRollback();
    expect(await p.asIc('rb-nope', 'U0IC')).toEqual({
      refused: { kind: 'refused', message: 'There is no rollback `rb-nope`.' },
    });
  });
});

describe('unknownEnvironment', () => {
  it('lists the configured environments', async () => {
    const { p } = await worldWithRollback();
    expect(p.unknown('prod')).toBe('There is no environment `prod`. Configured: `production`.');
  });
});
