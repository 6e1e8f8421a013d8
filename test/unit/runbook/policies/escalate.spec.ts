/** Who is paged when: failure after Step 1, an interruption, twice the budget; resolved when such a rollback completes. */
import type { Rollback } from '../../../../src/domain/rollback';
import type { RollbackEvent } from '../../../../src/domain/rollback.events';
import { dedupKeyOf, escalate, pageReason } from '../../../../src/runbook/policies/escalate';
import {
  approvedEvents,
  draftRollback,
  quietLog,
  RecordingNotifier,
  RecordingPager,
  rollbackAfter,
} from '../../../support/fakes';

const AT = '2026-12-01T10:00:00.000Z';
const approved = rollbackAfter(draftRollback(AT), approvedEvents(AT));
const clock = { now: () => new Date(AT) };

function world(pager: RecordingPager | undefined = new RecordingPager()) {
  const notifier = new RecordingNotifier();
  return { pager, notifier, deps: { pager, notifier, clock, log: quietLog } };
}
const notes = (n: RecordingNotifier) =>
  n.told.map((t) => (t.event.type === 'Note' ? (t.event as { fact: { kind: string } }).fact.kind : t.event.type));

describe('pageReason', () => {
  it('pages for a step over twice its budget, not for once over', () => {
    const over = (factor: number): RollbackEvent => ({ type: 'StepOverran', at: AT, step: 'execute', factor }) as never;
    expect(pageReason(approved, over(2))).toBe('Rollback of production: execute is over twice its budget');
    expect(pageReason(approved, over(1))).toBeNull();
  });

  it('pages for an interruption with its reason', () => {
    const e = { type: 'RollbackInterrupted', at: AT, reason: 'changed by hand' } as unknown as RollbackEvent;
    expect(pageReason(approved, e)).toBe('Rollback of production interrupted: changed by hand');
  });

  it('pages for a failure after Step 1, not for one in Step 1', () => {
    const failed = (step: string): Rollback =>
      ({ ...approved, status: 'failed', failure: { step, reason: 'boom' } }) as never;
    const e = { type: 'ExecutionFailed', at: AT, reason: 'boom' } as unknown as RollbackEvent;
    expect(pageReason(failed('execute'), e)).toBe('Rollback of production failed at execute: boom');
    expect(pageReason(failed('confirm'), e)).toBeNull();
  });
});

describe('escalate', () => {
  const interrupted = { type: 'RollbackInterrupted', at: AT, reason: 'changed by hand' } as unknown as RollbackEvent;

  it('triggers one alert keyed by the rollback and says so in the thread', async () => {
    const { pager, notifier, deps } = world();
    await escalate(deps, approved, interrupted);
    expect(pager?.triggered).toEqual(['Rollback of production interrupted: changed by hand']);
    expect(notes(notifier)).toEqual(['on_call_paged']);
    expect(dedupKeyOf(approved)).toBe('rollback-rb-1');
  });

  it('resolves the alert with the same key when a rollback paged for overrunning is resolved', async () => {
    const { pager, notifier, deps } = world();
    const overran = { ...approved, overruns: ['execute:2'] } as Rollback;
    await escalate(deps, overran, { type: 'ResolutionAnnounced', at: AT, message: null } as unknown as RollbackEvent);
    expect(pager?.resolved).toEqual(['rollback-rb-1']);
    expect(notes(notifier)).toEqual(['page_resolved']);
  });

  it('pages nothing for an ordinary event, and nothing at all without a pager', async () => {
    const { pager, notifier, deps } = world();
    await escalate(deps, approved, approvedEvents(AT)[2]);
    await escalate({ ...deps, pager: undefined }, approved, interrupted);
    expect(pager?.triggered).toEqual([]);
    expect(notifier.told).toEqual([]);
  });

  it('says in the thread that paging failed, instead of throwing', async () => {
    const { notifier, deps } = world();
    const broken = { trigger: async () => Promise.reject(new Error('PagerDuty timed out')), resolve: async () => {} };
    await expect(escalate({ ...deps, pager: broken }, approved, interrupted)).resolves.toBeUndefined();
    expect(notifier.told.map((t) => t.event)).toEqual([
      expect.objectContaining({
        fact: { kind: 'paging_failed', error: expect.stringContaining('PagerDuty timed out') },
      }),
    ]);
  });

  it('redacts what goes to PagerDuty', async () => {
    const seen: unknown[] = [];
    const { deps } = world();
    const pager = { trigger: async (a: unknown) => void seen.push(a), resolve: async () => {} };
    const redactor = { text: (s: string) => s, deep: <T>(v: T) => ({ ...(v as object), summary: '[redacted]' }) as T };
    await escalate({ ...deps, pager, redactor: redactor as never }, approved, interrupted);
    expect(seen).toEqual([expect.objectContaining({ dedupKey: 'rollback-rb-1', summary: '[redacted]' })]);
  });
});
