/** Step 5: the resolution announced with the runbook's template, the version remembered, the RCA reminder set. */
import { announceResolution, RCA_REMINDER_AFTER_MS } from '../../../../src/runbook/steps/5-complete';
import { approvedEvents, draftRollback, rollbackAfter, unitWorld } from '../../../support/fakes';

const AT = '2026-12-01T10:00:00.000Z';
const approved = rollbackAfter(draftRollback(AT), approvedEvents(AT));

describe('announceResolution', () => {
  it('announces the template, remembers v1 as verified for each service, and schedules the RCA reminder', async () => {
    const w = unitWorld();
    const event = await announceResolution(w.deps, approved);
    expect(event).toMatchObject({ type: 'ResolutionAnnounced', at: AT, message: { channel: 'C0INCIDENT' } });
    expect(w.notifier.announced).toEqual([
      {
        id: 'rb-1',
        step: 'complete',
        text: expect.stringContaining('ROLLBACK COMPLETE\nEnvironment: production\nRolled back to: v1'),
      },
    ]);
    expect(await w.store.lastVerifiedVersion('production', 'backend')).toBe('v1');
    expect(await w.store.lastVerifiedVersion('production', 'frontend')).toBe('v1');
    expect(w.notifier.scheduled).toEqual([
      expect.objectContaining({
        channel: 'C0INCIDENT',
        reminder: { kind: 'rca_due', rollbackId: 'rb-1', environment: 'production', due: '2026-12-02T10:00:00.000Z' },
        postAt: new Date(Date.parse(AT) + RCA_REMINDER_AFTER_MS),
      }),
    ]);
  });

  it('reports a failed announcement as the step’s failure, with Slack’s reason', async () => {
    const w = unitWorld();
    w.notifier.announce = async () => Promise.reject(new Error('channel_not_found'));
    const event = await announceResolution(w.deps, approved);
    expect(event).toEqual({
      type: 'AnnouncementFailed',
      at: AT,
      step: 'complete',
      reason: expect.stringMatching(/^The resolution could not be posted: .*channel_not_found/),
    });
    expect(w.notifier.scheduled).toEqual([]);
  });

  it('still announces when the reminder cannot be scheduled', async () => {
    const w = unitWorld();
    w.notifier.schedule = async () => Promise.reject(new Error('time_in_past'));
    expect(await announceResolution(w.deps, approved)).toMatchObject({ type: 'ResolutionAnnounced' });
  });

  it('resumed, it reuses an announcement already in the channel instead of posting a second one', async () => {
    const w = unitWorld();
    const found = { channel: 'C0INCIDENT', ts: '9.9' };
    w.notifier.findAnnouncement = async () => found;
    expect(await announceResolution(w.deps, approved, true)).toEqual({
      type: 'ResolutionAnnounced',
      at: AT,
      message: found,
    });
    expect(w.notifier.announced).toEqual([]);
  });
});
