import type { Logger } from 'pino';
import type { BotConfig } from '../../config/config.schema';
import type { RollbackService } from '../../runbook/service';

export interface ListenerDeps {
  config: BotConfig;
  service: RollbackService;
  logger: Logger;
}
