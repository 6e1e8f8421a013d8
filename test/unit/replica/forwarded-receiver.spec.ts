/** The work side's receiver: Bolt's app runs a forwarded delivery, and the ack's answer travels back. */
import type { App, ReceiverEvent } from '@slack/bolt';
import pino from 'pino';
import { ForwardedReceiver } from '../../../src/replica/forwarded-receiver';

const appThat = (run: (event: ReceiverEvent) => Promise<void>) => ({ processEvent: run }) as unknown as App;

it("resolves with the listener's ack answer, and hands it the body and the retry", async () => {
  const seen: ReceiverEvent[] = [];
  const receiver = new ForwardedReceiver(pino({ level: 'silent' }));
  receiver.init(
    appThat(async (event) => {
      seen.push(event);
      await event.ack({ response_action: 'errors' } as never);
      // The listener goes on after its ack; the answer is already out.
      await new Promise((r) => setTimeout(r, 10));
    }),
  );
  const answer = await receiver.deliver({ body: { type: 'view_submission' }, retryNum: 2, retryReason: 'timeout' });
  expect(answer).toEqual({ response_action: 'errors' });
  expect(seen[0]).toMatchObject({ body: { type: 'view_submission' }, retryNum: 2, retryReason: 'timeout' });
});

it('resolves empty when the listeners end without an ack, or fail (logged)', async () => {
  const lines: string[] = [];
  const logger = pino({ level: 'error' }, { write: (l: string) => lines.push(JSON.parse(l).msg as string) });
  const quiet = new ForwardedReceiver(logger);
  quiet.init(appThat(() => Promise.resolve()));
  await expect(quiet.deliver({ body: {} })).resolves.toBeUndefined();
  const failing = new ForwardedReceiver(logger);
  failing.init(appThat(() => Promise.reject(new Error('listener threw'))));
  await expect(failing.deliver({ body: {} })).resolves.toBeUndefined();
  expect(lines).toEqual(['a Slack delivery failed in its listener']);
});

it('refuses a delivery before the app is set', async () => {
  await expect(new ForwardedReceiver(pino({ level: 'silent' })).deliver({ body: {} })).rejects.toThrow(
    'the Slack app is not initialised',
  );
});
