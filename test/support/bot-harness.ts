/** Starts the real bot (HTTP receiver, signature verification) against the fake Slack Web API. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { type RunningBot, startBot } from '../../src/bot';
import type { BotConfig } from '../../src/config/config.schema';
import { readEnv } from '../../src/config/env';
import { createLogger } from '../../src/logger';
import { SqliteRollbackStore } from '../../src/adapters/sqlite/sqlite.rollback-store';
import { configSecrets } from '../../src/config/secrets';
import type { PacerLimits } from '../../src/adapters/slack/slack.pacer';
import type { ContainerRuntime, HealthProbe } from '../../src/ports';
import { type EnforcedLimits, FakeSlack } from './fake-slack';
import { buttonClickBody, postSigned, slashCommandBody } from './slack-requests';

/** No pacing: for a fake Slack that enforces no limits. */
export const UNPACED: PacerLimits = {
  postsPerSecond: 1e6,
  postBurst: 1e6,
  updatesPerMinute: 1e9,
  updateBurst: 1e6,
  publishesPerMinute: 1e9,
  publishBurst: 1e6,
};

export const SIGNING_SECRET = 'test-signing-secret-8f2a61c0';
export const BOT_TOKEN = 'xoxb-test-0000000000-abcdefghijklmnop';

export interface Harness {
  slack: FakeSlack;
  bot: RunningBot;
  baseUrl: string;
  dbFile: string;
  /** The bot's SQLite file, read directly (synchronously) by the test: its own connection, as a tool would. */
  db: SqliteRollbackStore;
  logLines: string[];
  command(text: string, user: string, channel?: string): Promise<{ status: number; ms: number; responseUrl: string }>;
  click(
    actionId: string,
    rollbackId: string,
    user: string,
    cardTs: string,
    channel?: string,
  ): Promise<{ status: number; responseUrl: string }>;
  stop(): Promise<void>;
}

export async function startHarness(
  config: BotConfig,
  opts: {
    runtime?: ContainerRuntime;
    probe?: HealthProbe;
    dbFile?: string;
    secrets?: string[];
    /** Limits the fake Slack enforces (default: none). */
    slackLimits?: EnforcedLimits;
    /**
     * The bot's own pace. Default: Slack's limits when the fake enforces them; otherwise none, as the fake enforces
     * none (pacing itself is covered by its unit test and the rate-limits end-to-end test).
     */
    pace?: PacerLimits;
    logLevel?: string;
    /** How often the bot looks for rollbacks nobody drives (default 15 s). */
    sweepMs?: number;
    leaseMs?: number;
    /** Lease owner id (default: the bot's own). */
    instanceId?: string;
  } = {},
): Promise<Harness> {
  const slack = new FakeSlack(opts.slackLimits);
  await slack.start();
  const dir = mkdtempSync(join(tmpdir(), 'rollback-bot-'));
  const dbFile = opts.dbFile ?? join(dir, 'rollback.db');
  const env = readEnv({
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: slack.apiUrl,
    PORT: '0',
    ROLLBACK_DB: dbFile,
    LOG_LEVEL: 'debug',
  });
  const logLines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _e, done) {
      logLines.push(chunk.toString('utf8'));
      done();
    },
  });
  // As main.ts does: the tokens, the secrets the config refers to, and the config's secret-bearing fields.
  const secrets = [BOT_TOKEN, SIGNING_SECRET, ...configSecrets(config), ...(opts.secrets ?? [])];
  const logger = createLogger({ level: opts.logLevel ?? 'debug', secrets, destination });
  const pace = opts.pace ?? (opts.slackLimits ? undefined : UNPACED);
  const bot = await startBot({
    env,
    config,
    logger,
    runtime: opts.runtime,
    probe: opts.probe,
    slackLimits: pace,
    secrets,
    sweepMs: opts.sweepMs,
    leaseMs: opts.leaseMs,
    instanceId: opts.instanceId,
  });
  const baseUrl = `http://127.0.0.1:${bot.port}`;
  const defaultChannel = Object.values(config.environments)[0]?.channel ?? 'C0INCIDENT';
  const db = new SqliteRollbackStore(dbFile);
  return {
    slack,
    bot,
    baseUrl,
    dbFile,
    db,
    logLines,
    async command(text, user, channel = defaultChannel) {
      const responseUrl = slack.newResponseUrl();
      const res = await postSigned(
        `${baseUrl}/slack/events`,
        slashCommandBody({ text, userId: user, channelId: channel, responseUrl }),
        { secret: SIGNING_SECRET },
      );
      return { status: res.status, ms: res.ms, responseUrl };
    },
    async click(actionId, rollbackId, user, cardTs, channel = defaultChannel) {
      const responseUrl = slack.newResponseUrl();
      const res = await postSigned(
        `${baseUrl}/slack/events`,
        buttonClickBody({
          actionId,
          value: rollbackId,
          userId: user,
          channelId: channel,
          messageTs: cardTs,
          responseUrl,
        }),
        { secret: SIGNING_SECRET },
      );
      return { status: res.status, responseUrl };
    },
    async stop() {
      await bot.stop(2000);
      db.close();
      await slack.stop();
      rmSync(dir, { recursive: true, force: true });
      // Whatever the test was about, nothing the bot sent may have been refused for Block Kit's limits.
      if (slack.refused.length > 0)
        throw new Error(
          `Slack refused ${slack.refused.length} message(s) or view(s):\n${slack.refused
            .map((r) => `${r.method}: ${r.problems.map((p) => `${p.error} ${p.detail}`).join('; ')}`)
            .join('\n')}`,
        );
    },
  };
}

/** The ephemeral answer Slack would show the user for a response_url. */
export function responseFor(slack: FakeSlack, responseUrl: string): Promise<Record<string, unknown>> {
  const id = responseUrl.split('/').pop();
  return slack.waitFor(() => slack.responses.find((r) => r.id === id)?.body, `a response on ${responseUrl}`);
}
