/**
 * What a process of the bot starts from: the environment and the config file, read together so that every problem
 * in both is named at once, and the secrets among them (the logger redacts them, Slack messages too).
 */
import { isCoded, SettingsError } from '../domain/errors';
import type { BotConfig } from './config.schema';
import { DEFAULT_CONFIG_PATH, readEnv, type RuntimeEnv } from './env';
import { loadConfig } from './load';

/** Where an operator reads about every setting. */
const SETTINGS_HELP = 'see docs/configuration.md "Environment" and "Configuration reference"';

/** `--help`. */
export const USAGE = `rollback-bot: the Slack bot that walks an incident commander through the rollback runbook.

Usage: node dist/main.js   (in the container image: docker run … rollback-bot)

It reads its settings from the environment (docs/configuration.md "Environment") and its config file from
ROLLBACK_CONFIG (default ./rollback.config.yml; docs/configuration.md "Configuration reference"):
  SLACK_BOT_TOKEN        the bot token, xoxb-…                        (required)
  SLACK_APP_TOKEN        an app-level token, xapp-…: Socket Mode, no public URL needed
  SLACK_SIGNING_SECRET   verifies Slack's requests in HTTP mode        (required without SLACK_APP_TOKEN)
  ROLLBACK_METRICS_TOKEN the bearer token for GET /metrics (unset: /metrics is off)
  PORT                   /slack/events (HTTP mode), /healthz, /readyz, /metrics, /api/v1/… (default 3000)
  ROLLBACK_DB            a SQLite file, or a postgres:// URL for several replicas
Any of the secrets may come from a file: SLACK_BOT_TOKEN_FILE, SLACK_SIGNING_SECRET_FILE, SLACK_APP_TOKEN_FILE, ….
`;

/** The password in a postgres:// URL: a secret like the tokens (logs, messages). */
export function databasePassword(db: string): string {
  try {
    return decodeURIComponent(new URL(db).password);
  } catch {
    return '';
  }
}

export interface Settings {
  env: RuntimeEnv;
  config: BotConfig;
  /** Every secret value in the environment and the config file. */
  secrets: string[];
}

/**
 * The environment and the config file, or one line on stderr naming every problem in both (never a value) and exit
 * code 2: an operator fixes them all in one go.
 */
export function readSettings(): Settings {
  const problems: string[] = [];
  const say = (err: unknown) =>
    problems.push(err instanceof SettingsError ? err.summary() : isCoded(err) ? err.message : String(err));
  let env: RuntimeEnv | undefined;
  let loaded: ReturnType<typeof loadConfig> | undefined;
  try {
    env = readEnv();
  } catch (err) {
    say(err);
  }
  try {
    loaded = loadConfig(env?.ROLLBACK_CONFIG ?? (process.env.ROLLBACK_CONFIG || DEFAULT_CONFIG_PATH));
  } catch (err) {
    say(err);
  }
  if (!env || !loaded) {
    process.stderr.write(`rollback-bot: cannot start. ${problems.join('. ')}. (${SETTINGS_HELP})\n`);
    process.exit(2);
  }
  const secrets = [
    env.SLACK_BOT_TOKEN,
    env.SLACK_SIGNING_SECRET ?? '',
    env.SLACK_APP_TOKEN ?? '',
    env.ROLLBACK_METRICS_TOKEN ?? '',
    databasePassword(env.ROLLBACK_DB),
    ...loaded.secrets,
  ];
  return { env, config: loaded.config, secrets };
}
