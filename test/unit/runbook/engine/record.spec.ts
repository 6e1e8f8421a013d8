/** The one commit path: stored first (compare-and-set), then told, then escalated, then after-care. */
import { newRollback } from '../../../../src/domain/rollback';
import { type RollbackEvent } from '../../../../src/domain/rollback.events';
import { record } from '../../../../src/runbook/engine/record';
import { RecordingPager, unitWorld } from '../../../support/fakes';

const AT = '2026-12-01T10:00:00.000Z';

async function created() {
  const w = unitWorld();
  const made = await w.store.create(
    newRollback({
      id: 'rb-1',
      environment: 'production',
      channel: 'C0INCIDENT',
      requestedBy: 'U0ONCALL',
      at: AT,
      reason: 'x',
      requestedTarget: null,
    }),
  );
  if (!made.ok) throw new Error('not created');
  return w;
}

describe('record()', () => {
  it('stores the event, then tells the channel with the stored state', async () => {
    const w = await created();
    const applied = await record(w.deps, 'rb-1', { type: 'ConfirmationStarted', at: AT });
    expect(applied.ok && applied.rollback.status).toBe('confirming');
    expect(w.notifier.told).toEqual([
      {
        rollback: expect.objectContaining({ status: 'confirming', version: 2 }),
        event: expect.objectContaining({ type: 'ConfirmationStarted' }),
        // The runbook's escalation rules chose who hears of it (nobody, for progress nobody must act on).
        audience: { teams: [] },
      },
    ]);
    expect((await w.store.timeline('rb-1')).map((e) => e.type)).toEqual(['Requested', 'ConfirmationStarted']);
  });

  it('says nothing about an event the state machine rejects, and stores nothing', async () => {
    const w = await created();
    const applied = await record(w.deps, 'rb-1', { type: 'ApprovalGranted', at: AT, by: 'U0IC' });
    expect(applied).toMatchObject({ ok: false, rejection: { code: 'INVALID_TRANSITION' } });
    expect(w.notifier.told).toEqual([]);
    expect((await w.store.get('rb-1'))?.version).toBe(1);
  });

  it('stores bookkeeping quietly when asked', async () => {
    const w = await created();
    await record(
      w.deps,
      'rb-1',
      { type: 'CardPosted', at: AT, card: { channel: 'C0INCIDENT', ts: '1.1' } },
      { tell: false },
    );
    expect(w.notifier.told).toEqual([]);
    expect((await w.store.get('rb-1'))?.card).toEqual({ channel: 'C0INCIDENT', ts: '1.1' });
  });

  it('pages on-call when the escalation rules say so, and runs the after-care hook; a failing hook is only logged', async () => {
    const pager = new RecordingPager();
    const seen: string[] = [];
    const w = await created();
    w.deps.pager = pager;
    w.deps.afterCare = async (r) => {
      seen.push(r.status);
      throw new Error('GitHub down');
    };
    const events: RollbackEvent[] = [
      { type: 'ConfirmationStarted', at: AT },
      {
        type: 'IssueConfirmed',
        at: AT,
        findings: { health: null, ready: null, services: [], target: 'v1', targetSource: 'requested', targetNote: '' },
      },
      { type: 'ApprovalGranted', at: AT, by: 'U0IC' },
      { type: 'AnnouncementFailed', at: AT, step: 'announce', reason: 'not_in_channel' },
    ];
    for (const e of events) expect((await record(w.deps, 'rb-1', e)).ok).toBe(true);
    expect(pager.triggered).toEqual(['Rollback of production failed at announce: not_in_channel']);
    expect(seen).toEqual(['confirming', 'awaiting_approval', 'executing', 'failed']);
  });
});
