import type { Logger } from 'pino';
import type { BotConfig } from '../../config/config.schema';
import type { RollbackService } from '../../runbook/service';

export interface ListenerDeps {
  config: BotConfig;
  service: RollbackService;
  logger: Logger;
}

/**
 * After ack(): let the event loop answer the other requests already waiting on their sockets before this one's work
 * (store writes, Slack calls) runs, so a burst of requests is acknowledged at the pace of a bare Bolt app.
 */
export const afterAck = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
