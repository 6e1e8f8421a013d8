import { loadConfig } from './config/load';
import { readEnv } from './config/env';
import { isCoded } from './domain/errors';
import { createLogger } from './logger';
import { startBot } from './bot';

/** The password in a postgres:// URL: a secret like the tokens (logs, messages). */
function databasePassword(db: string): string {
  try {
    return decodeURIComponent(new URL(db).password);
  } catch {
    return '';
  }
}

async function main(): Promise<void> {
  let env;
  let config;
  let configSecrets: string[];
  try {
    env = readEnv();
    ({ config, secrets: configSecrets } = loadConfig(env.ROLLBACK_CONFIG));
  } catch (err) {
    // Before the logger exists: one clear line on stderr naming the bad setting.
    process.stderr.write(`rollback-bot: ${isCoded(err) ? err.message : String(err)}\n`);
    process.exit(2);
  }
  const secrets = [
    env.SLACK_BOT_TOKEN,
    env.SLACK_SIGNING_SECRET ?? '',
    env.SLACK_APP_TOKEN ?? '',
    databasePassword(env.ROLLBACK_DB),
    ...configSecrets,
  ];
  const logger = createLogger({ level: env.LOG_LEVEL, secrets });
  // A stray rejection in a library must not take down a bot that is in the middle of a rollback.
  process.on('unhandledRejection', (err) => logger.error({ err }, 'unhandled promise rejection'));
  const bot = await startBot({ env, config, logger, secrets });

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    // Slack retries what we do not answer, and a resumed rollback picks up where this one stopped.
    const hardStop = setTimeout(() => process.exit(1), 10_000);
    hardStop.unref();
    bot.stop(8000).then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err: unknown) => {
  process.stderr.write(`rollback-bot: failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
