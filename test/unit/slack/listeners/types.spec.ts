/** What every listener shares: which user ids are Slack's, and the pause after ack() that skips a repeat delivery. */
import { afterAck, SLACK_USER_ID } from '../../../../src/slack/listeners/types';

describe('SLACK_USER_ID', () => {
  it('takes Slack user ids (U…, W…) and nothing else', () => {
    for (const id of ['U0IC', 'W012ABC']) expect(SLACK_USER_ID.test(id)).toBe(true);
    for (const id of ['u0ic', 'U1', 'C0CHANNEL', 'U0IC<script>', '']) expect(SLACK_USER_ID.test(id)).toBe(false);
  });
});

describe('afterAck', () => {
  it('lets the event loop answer what is waiting first, then says whether this delivery is the first', async () => {
    const order: string[] = [];
    setImmediate(() => order.push('another request'));
    const first = afterAck({ firstDelivery: Promise.resolve(true) }).then((v) => order.push(`work: ${v}`));
    order.push('ack sent');
    await first;
    expect(order).toEqual(['ack sent', 'another request', 'work: true']);
  });

  it('is false for a repeat delivery, and true without a delivery guard', async () => {
    expect(await afterAck({ firstDelivery: Promise.resolve(false) })).toBe(false);
    expect(await afterAck({})).toBe(true);
    expect(await afterAck()).toBe(true);
  });
});
