/**
 * The work side's Bolt app: the listeners run here, fed by the front (replica/front.ts) through the receiver the
 * replica gives it (replica/work-link.ts: ForwardedReceiver).
 * A WebClient with bounded timeouts and retries, Bolt's logs routed into pino, and a guard against Slack's retries.
 */
import { App, type Receiver } from '@slack/bolt';
import type { Logger } from 'pino';
import type { FetchFunction } from '@slack/web-api';
import { boltLogger } from './bolt-logger';
import { loggedRetries, namingFetch } from './slack-reach';
import type { DeliveryContext } from './listeners/types';
import type { RuntimeEnv } from '../config/env';

export interface SlackAppOptions {
  /** Where the front's deliveries come in. */
  receiver: Receiver;
  /** Records a delivery; false for one seen before (Slack's retry of a request we already handled). */
  firstDelivery: (key: string) => Promise<boolean>;
  /** The WebClient's fetch (the metrics count each call through it). */
  fetch?: typeof fetch;
}

/** Slack's retry of a delivery carries the same trigger id as the original. */
export function deliveryKey(body: Record<string, unknown>): string | null {
  const trigger = body.trigger_id;
  if (typeof trigger !== 'string' || trigger.length === 0) return null;
  return `${typeof body.command === 'string' ? body.command : String(body.type ?? 'request')}:${trigger}`;
}

export function createSlackApp(env: RuntimeEnv, logger: Logger, opts: SlackAppOptions): App {
  const log = boltLogger(logger);
  const app = new App({
    token: env.SLACK_BOT_TOKEN,
    receiver: opts.receiver,
    logger: log,
    clientOptions: {
      slackApiUrl: env.SLACK_API_URL,
      // The default policy retries for about 30 minutes; an incident cannot wait that long for a card.
      retryConfig: loggedRetries(logger, {
        retries: 2,
        factor: 2,
        minTimeout: 500,
        maxTimeout: 2000,
        maxRetryTime: 10_000,
      }),
      timeout: 10_000,
      // A 429 is handed to us (the notifier waits a bounded time) instead of pausing every call for Retry-After.
      rejectRateLimitedCalls: true,
      logger: log,
      // A call that gets no answer names the host and the method it tried.
      fetch: namingFetch(opts.fetch as FetchFunction | undefined),
    },
    // Bolt would call auth.test in the constructor and crash the process if Slack is unreachable at that moment;
    // startBot checks the token itself and only warns.
    tokenVerificationEnabled: false,
  });

  // Slack retries a delivery it thinks we missed (X-Slack-Retry-Num). The first one did the work: ack, do nothing.
  // The store is asked while the listener acks (a database round trip must not delay the ack); the listener waits
  // for the answer after its ack (afterAck) and does nothing for a repeat. If the store cannot answer, the work is
  // done: the per-environment lock and compare-and-set still keep it from running twice.
  app.use(async (args) => {
    const body = args.body as unknown as Record<string, unknown>;
    const key = deliveryKey(body);
    if (key) {
      const first = opts.firstDelivery(key).then(
        (isFirst) => {
          if (!isFirst)
            logger.info(
              { key, retryNum: args.context.retryNum, retryReason: args.context.retryReason },
              'ignored a repeated Slack delivery',
            );
          return isFirst;
        },
        (err: unknown) => {
          logger.warn({ err, key }, 'could not check for a repeated delivery; handling it');
          return true;
        },
      );
      (args.context as DeliveryContext).firstDelivery = first;
    }
    await args.next();
  });

  return app;
}
