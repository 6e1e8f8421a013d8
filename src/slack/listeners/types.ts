import type { BlockAction, Middleware, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { Logger } from 'pino';
import type { BotConfig } from '../../config/config.schema';
import type { RollbackService } from '../../runbook/service';

export interface ListenerDeps {
  config: BotConfig;
  service: RollbackService;
  logger: Logger;
  /** Takes secrets out of whatever is said back to a user. */
  redact: (text: string) => string;
}

/** Slack user ids (U…, W…): a payload whose user is anything else is not Slack's. */
export const SLACK_USER_ID = /^[UW][A-Z0-9]{2,}$/;

/** What the delivery guard (slack/app.ts) leaves in Bolt's context: whether this delivery is the first of its kind. */
export interface DeliveryContext {
  firstDelivery?: Promise<boolean>;
}

/**
 * After ack(): let the event loop answer the other requests already waiting on their sockets before this one's work
 * (store writes, Slack calls) runs, so a burst of requests is acknowledged at the pace of a bare Bolt app. Then
 * whether to do the work at all: false for Slack's retry of a delivery already handled (recognised by the store,
 * which is asked while the ack goes out rather than before it).
 */
export async function afterAck(context?: object): Promise<boolean> {
  await new Promise((resolve) => setImmediate(resolve));
  return (await (context as DeliveryContext | undefined)?.firstDelivery) ?? true;
}

/** One listener: what it answers (an action id, or a pattern of them) and how. */
export interface ActionListener {
  id: string | RegExp;
  handler: Middleware<SlackActionMiddlewareArgs<BlockAction>>;
}
