/** The front's stand-in for Bolt's app: acknowledge, then hand over; wait (bounded) only for answers in the ack. */
import type { ReceiverEvent } from '@slack/bolt';
import pino from 'pino';
import { ACK_ANSWER_WAIT_MS, acknowledger } from '../../../src/replica/acknowledger';
import type { ForwardedEvent, WorkLink } from '../../../src/replica/work-link';

const silent = pino({ level: 'silent' });

function linkThat(forward: (e: ForwardedEvent) => Promise<unknown> | null, unavailable: string | null = null) {
  const forwarded: ForwardedEvent[] = [];
  const link: WorkLink = {
    forward: (e) => {
      forwarded.push(e);
      return forward(e);
    },
    unavailable: () => unavailable,
    ready: () => Promise.resolve(),
    metrics: () => Promise.resolve([]),
    api: () => Promise.reject(new Error('not used')),
  };
  return { link, forwarded };
}

function delivery(body: Record<string, unknown>) {
  const acks: unknown[] = [];
  const event: ReceiverEvent = {
    body,
    ack: (answer?: unknown) => {
      acks.push(answer);
      return Promise.resolve();
    },
    retryNum: 1,
    retryReason: 'http_timeout',
  };
  return { event, acks };
}

const never = () => new Promise<unknown>(() => undefined);

it('acknowledges a command at once though its work never ends, handing over the body and the retry', async () => {
  const { link, forwarded } = linkThat(never);
  const { event, acks } = delivery({ command: '/rollback' });
  await acknowledger(link, silent).processEvent(event);
  expect(acks).toEqual([undefined]);
  expect(forwarded).toEqual([{ body: { command: '/rollback' }, retryNum: 1, retryReason: 'http_timeout' }]);
});

it("acknowledges a form submission with the listener's answer", async () => {
  const errors = { response_action: 'errors', errors: { reason: 'Say why.' } };
  const { link } = linkThat(() => Promise.resolve(errors));
  const { event, acks } = delivery({ type: 'view_submission' });
  await acknowledger(link, silent).processEvent(event);
  expect(acks).toEqual([errors]);
});

it('acknowledges a form submission empty when the listener has not answered within the bound', async () => {
  jest.useFakeTimers();
  try {
    const { link } = linkThat(never);
    const { event, acks } = delivery({ type: 'block_suggestion' });
    const done = acknowledger(link, silent).processEvent(event);
    await jest.advanceTimersByTimeAsync(ACK_ANSWER_WAIT_MS - 1);
    expect(acks).toEqual([]);
    await jest.advanceTimersByTimeAsync(1);
    await done;
    expect(acks).toEqual([undefined]);
  } finally {
    jest.useRealTimers();
  }
});

it('acknowledges a form submission empty when its listener failed', async () => {
  const { link } = linkThat(() => Promise.reject(new Error('listener threw')));
  const { event, acks } = delivery({ type: 'view_submission' });
  await acknowledger(link, silent).processEvent(event);
  expect(acks).toEqual([undefined]);
});

it('fails without acknowledging when the work side cannot take the delivery, so that Slack retries', async () => {
  const hung = linkThat(never, 'the work process has not answered for 6 s');
  const first = delivery({ command: '/rollback' });
  await expect(acknowledger(hung.link, silent).processEvent(first.event)).rejects.toThrow(
    'the work process cannot take requests now: the work process has not answered for 6 s',
  );
  expect(hung.forwarded).toEqual([]);

  const gone = linkThat(() => null);
  const second = delivery({ command: '/rollback' });
  await expect(acknowledger(gone.link, silent).processEvent(second.event)).rejects.toThrow(
    'the work process cannot take requests now',
  );
  expect([...first.acks, ...second.acks]).toEqual([]);
});
