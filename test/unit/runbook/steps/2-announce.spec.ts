/** Step 2: the announcement in the incident channel, found again after a restart, and a failure that stops cleanly. */
import type { Rollback } from '../../../../src/domain/rollback';
import { alreadyAnnounced, announceRollback, announcementFor } from '../../../../src/runbook/steps/2-announce';
import {
  approvedEvents,
  draftRollback,
  RecordingNotifier,
  recordingLog,
  rollbackAfter,
  unitConfig,
  unitWorld,
} from '../../../support/fakes';

const AT = '2026-12-01T10:00:00.000Z';
const approved = (): Rollback => rollbackAfter(draftRollback(AT), approvedEvents(AT));

describe('announcementFor', () => {
  it('fills the runbook’s template, with the ETA from the step budgets unless the environment names one', () => {
    const w = unitWorld();
    expect(announcementFor(w.deps, approved())).toMatch(
      /^@channel ROLLBACK IN PROGRESS\nEnvironment: production\nCurrent version: v2\nRolling back to: v1\nReason: errors/,
    );
    const withEta = unitWorld(unitConfig({ eta: '15 minutes' }));
    expect(announcementFor(withEta.deps, approved())).toContain('15 minutes');
  });
});

describe('announceRollback', () => {
  it('announces with the runbook’s template, marked so a restart can find it', async () => {
    const w = unitWorld();
    const event = await announceRollback(w.deps, approved());
    expect(event).toEqual({ type: 'RollbackAnnounced', at: AT, message: { channel: 'C0INCIDENT', ts: '1.1' } });
    expect(w.notifier.announced).toEqual([{ id: 'rb-1', step: 'announce', text: announcementFor(w.deps, approved()) }]);
  });

  it('after a restart, takes the announcement already in the channel instead of posting it twice', async () => {
    const notifier = new RecordingNotifier();
    const found = { channel: 'C0INCIDENT', ts: '9.9' };
    notifier.findAnnouncement = async () => found;
    const w = unitWorld(undefined, { notifier });
    expect(await announceRollback(w.deps, approved(), true)).toEqual({
      type: 'RollbackAnnounced',
      at: AT,
      message: found,
    });
    expect(notifier.announced).toEqual([]);
    // Not resumed: it does not look, it posts.
    await announceRollback(w.deps, approved(), false);
    expect(notifier.announced).toHaveLength(1);
  });

  it('fails Step 2, saying why, when Slack refuses the announcement', async () => {
    const notifier = new RecordingNotifier();
    notifier.announce = async () => {
      throw new Error('not_in_channel');
    };
    const w = unitWorld(undefined, { notifier });
    expect(await announceRollback(w.deps, approved())).toEqual({
      type: 'AnnouncementFailed',
      at: AT,
      step: 'announce',
      reason: 'The announcement could not be posted: not_in_channel',
    });
  });
});

describe('alreadyAnnounced', () => {
  it('looks from when the step started; a failed look is logged and answers "not found", so it is posted', async () => {
    const notifier = new RecordingNotifier();
    const since: Date[] = [];
    notifier.findAnnouncement = async (_r, _step, from) => {
      since.push(from);
      throw new Error('missing_scope');
    };
    const lines: string[] = [];
    const w = unitWorld(undefined, { notifier, log: recordingLog(lines) });
    expect(await alreadyAnnounced(w.deps, approved(), 'announce')).toBeNull();
    expect(since).toEqual([new Date(AT)]);
    expect(lines).toEqual([
      'warn could not look for an earlier announcement (scope channels:history / groups:history?); posting it',
    ]);
  });
});
