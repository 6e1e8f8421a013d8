/**
 * Stands in for Bolt's app in front of a receiver (HTTP or Socket Mode): acknowledges each delivery, then hands it
 * over. A payload answered in the ack waits for the listener's answer (bounded); a delivery the work side cannot take
 * fails, so Slack retries it.
 */
import type { App, ReceiverEvent } from '@slack/bolt';
import type { Logger } from 'pino';
import { answeredInAck, type WorkLink } from './work-link';

/** How long the front waits for a listener's answer that travels in the ack (Slack gives up at 3 s). */
export const ACK_ANSWER_WAIT_MS = 2500;

export function acknowledger(link: WorkLink, logger: Logger): Pick<App, 'processEvent'> {
  return {
    async processEvent(event: ReceiverEvent): Promise<void> {
      const body = event.body as Record<string, unknown>;
      // Thrown: Socket Mode leaves the envelope unacknowledged, and Slack delivers it again elsewhere.
      const unavailable = link.unavailable();
      if (unavailable) throw new Error(`the work process cannot take requests now: ${unavailable}`);
      const handed = link.forward({ body, retryNum: event.retryNum, retryReason: event.retryReason });
      if (!handed) throw new Error('the work process cannot take requests now');
      if (!answeredInAck(body)) {
        handed.catch((err: unknown) => logger.error({ err }, 'a Slack delivery failed after its ack'));
        await event.ack();
        return;
      }
      let timer: NodeJS.Timeout | undefined;
      const answer = await Promise.race([
        handed,
        new Promise<undefined>((resolve) => (timer = setTimeout(resolve, ACK_ANSWER_WAIT_MS, undefined))),
      ]).catch((err: unknown) => {
        logger.error({ err }, 'no answer from the listener for a payload answered in the ack');
        return undefined;
      });
      clearTimeout(timer);
      await event.ack(answer as never);
    },
  };
}
