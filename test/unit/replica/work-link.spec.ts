/** Which payloads wait for their listener's answer in the ack; everything else is acknowledged before the work sees it. */
import { ANSWERED_IN_ACK, answeredInAck } from '../../../src/replica/work-link';

describe('answeredInAck', () => {
  it('is true for forms and menus, whose answer travels in the ack', () => {
    for (const type of ANSWERED_IN_ACK) expect(answeredInAck({ type })).toBe(true);
    expect([...ANSWERED_IN_ACK].sort()).toEqual([
      'block_suggestion',
      'dialog_submission',
      'dialog_suggestion',
      'view_submission',
    ]);
  });

  it('is false for commands, button clicks, events, and a body without a type', () => {
    expect(answeredInAck({ command: '/rollback', text: 'help' })).toBe(false);
    expect(answeredInAck({ type: 'block_actions' })).toBe(false);
    expect(answeredInAck({ type: 'event_callback' })).toBe(false);
    expect(answeredInAck({ type: ['view_submission'] })).toBe(false);
  });
});
