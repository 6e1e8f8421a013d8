/** Who did what, for the timeline: the user behind an event, if any. */
import { actorOf } from '../../../src/domain/rollback.events';

const AT = '2026-12-01T10:00:00.000Z';

describe('actorOf', () => {
  it('is the user of an event done by someone', () => {
    expect(actorOf({ type: 'ApprovalGranted', at: AT, by: 'U0IC' })).toBe('U0IC');
    expect(actorOf({ type: 'LockReleased', at: AT, by: 'U0IC2' })).toBe('U0IC2');
  });

  it('is null for what the bot did itself', () => {
    expect(actorOf({ type: 'ConfirmationStarted', at: AT })).toBeNull();
    expect(actorOf({ type: 'ApprovalExpired', at: AT, afterMs: 1000 })).toBeNull();
  });
});
