// First, for its side effect: V8 favours a small heap in both processes of a replica (replica/lean-heap.ts says why).
import './replica/lean-heap';
import { loadConfig } from './config/load';
import { DEFAULT_CONFIG_PATH, readEnv } from './config/env';
import { isCoded, SettingsError } from './domain/errors';
import { createLogger } from './logger';
import type { Logger } from 'pino';
import type { BotConfig } from './config/config.schema';
import type { RuntimeEnv } from './config/env';
import type { Registry } from 'prom-client';
import { createFront, type FrontState } from './replica/front';
import { checkAppToken, checkBotToken, refusedToken } from './slack/token-check';
import type { WorkLink } from './replica/work-link';
import { forkWork, serveFront, WORK_ROLE, WORK_ROLE_VARIABLE, type WorkProcess } from './work-process';

/** The password in a postgres:// URL: a secret like the tokens (logs, messages). */
function databasePassword(db: string): string {
  try {
    return decodeURIComponent(new URL(db).password);
  } catch {
    return '';
  }
}

/** Where an operator reads about every setting. */
const SETTINGS_HELP = 'see docs/configuration.md "Environment" and "Configuration reference"';

const USAGE = `rollback-bot: the Slack bot that walks an incident commander through the rollback runbook.

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

/**
 * The environment and the config file, or one line on stderr naming every problem in both (never a value) and exit
 * code 2: an operator fixes them all in one go.
 */
function readSettings(): { env: RuntimeEnv; config: BotConfig; configSecrets: string[] } {
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
  return { env, config: loaded.config, configSecrets: loaded.secrets };
}

async function main(): Promise<void> {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    process.stdout.write(USAGE);
    return;
  }
  const { env, config, configSecrets } = readSettings();
  const secrets = [
    env.SLACK_BOT_TOKEN,
    env.SLACK_SIGNING_SECRET ?? '',
    env.SLACK_APP_TOKEN ?? '',
    env.ROLLBACK_METRICS_TOKEN ?? '',
    databasePassword(env.ROLLBACK_DB),
    ...configSecrets,
  ];
  const logger = createLogger({ level: env.LOG_LEVEL, secrets });
  // A stray rejection in a library must not take down a bot that is in the middle of a rollback.
  process.on('unhandledRejection', (err) => logger.error({ err }, 'unhandled promise rejection'));
  if (process.env[WORK_ROLE_VARIABLE] === WORK_ROLE) await runWork(env, config, logger, secrets);
  else await runFront(env, logger);
}

/** A token Slack rejects: one line, exit code 2 (the orchestrator shows it; restarting would not help). */
function refuse(variable: string, error: string): never {
  process.stderr.write(
    `rollback-bot: Slack refused ${variable} (${error}): copy the token again from the app's settings page ` +
      `(README "Slack app setup")\n`,
  );
  process.exit(2);
}

/** How long in-flight steps get to finish on SIGTERM; the process exits by HARD_STOP_MS whatever happens. */
const GRACE_MS = 8000;
const HARD_STOP_MS = 10_000;

/**
 * The process Slack talks to: listens, acknowledges, answers /healthz and /readyz, and forks the work process that
 * does everything else. Exits when the work process exits (the orchestrator restarts the replica).
 */
async function runFront(env: RuntimeEnv, logger: Logger): Promise<void> {
  let state: FrontState = 'starting';
  /** What the replica waits for while starting, said on /readyz. */
  let waitingFor = 'checking the Slack tokens';
  /** A signal came while starting: the steps still to come are skipped (a function: TypeScript narrows `state`). */
  const stopping = () => state === 'stopping';
  let work: WorkProcess | undefined = undefined;
  const link: WorkLink = {
    forward: (event) => work?.link.forward(event) ?? null,
    unavailable: () => (work ? work.link.unavailable() : 'the work process is not running'),
    ready: () => work?.link.ready() ?? Promise.reject(new Error('the work process is not running')),
    metrics: () => work?.link.metrics() ?? Promise.reject(new Error('the work process is not running')),
    api: (request) => work?.link.api(request) ?? Promise.reject(new Error('the work process is not running')),
  };
  // The front's own process metrics are read by GET /metrics alone, which is off without its token: prom-client (about
  // 5 MB of the front's memory) loads only when it is on.
  let ownMetrics: Registry | undefined;
  if (env.ROLLBACK_METRICS_TOKEN) {
    const prom = await import('prom-client');
    ownMetrics = new prom.Registry();
    prom.collectDefaultMetrics({ register: ownMetrics, labels: { process: 'front' } });
  }
  const front = createFront(env, logger, {
    state: () => state,
    startingReason: () => waitingFor,
    link,
    metrics: ownMetrics,
  });
  // Bound first: /healthz answers (alive) and /readyz says what it waits for, however long Slack takes to answer.
  const port = await front.start();

  const shutdown = (signal: string) => {
    if (state === 'stopping') return;
    state = 'stopping';
    logger.info({ signal }, 'shutting down');
    // Slack retries what we do not answer, and a resumed rollback picks up where this one stopped.
    const hardStop = setTimeout(() => process.exit(1), HARD_STOP_MS);
    hardStop.unref();
    front
      .stop()
      .then(() => work?.stop(GRACE_MS))
      .then(
        (code) => process.exit(code ?? 0),
        (err: unknown) => {
          logger.error({ err }, 'error while stopping');
          process.exit(1);
        },
      );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));

  const token = await checkBotToken(env.SLACK_BOT_TOKEN, env.SLACK_API_URL);
  if (token.kind === 'refused') refuse('SLACK_BOT_TOKEN', token.error);
  if (token.kind === 'unreachable')
    logger.warn({ reason: token.reason }, `could not check SLACK_BOT_TOKEN: ${token.reason}; starting anyway`);
  if (env.SLACK_APP_TOKEN) {
    // Before the work process starts (and resumes whatever a crash left): a refused app token stops it first.
    const app = await checkAppToken(env.SLACK_APP_TOKEN, env.SLACK_API_URL);
    if (app.kind === 'refused') refuse('SLACK_APP_TOKEN', app.error);
    if (app.kind === 'unreachable')
      logger.warn({ reason: app.reason }, `could not check SLACK_APP_TOKEN: ${app.reason}; starting anyway`);
  }
  if (stopping()) return;
  waitingFor = 'work process starting';
  // The work process learns the bound port (its default instance id is host:port).
  // Two malloc arenas, not glibc's eight per core: the native side (SQLite, sockets) fragments less under a burst.
  const lean = { MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? '2' };
  work = await forkWork(__filename, { ...process.env, ...lean, PORT: String(port) }, logger);
  void work.exited.then((code) => {
    if (state === 'stopping') return;
    logger.error({ code }, 'the work process exited; this replica stops (Slack retries what it could not take)');
    process.exit(1);
  });
  if (stopping()) return;
  // Socket Mode: Slack's envelopes start arriving as soon as the connection opens, so it opens only now that the
  // work process takes them. Slack out of reach: this waits (not ready, saying why) until it answers.
  waitingFor = 'connecting to Slack';
  try {
    await front.connect();
  } catch (err) {
    if (stopping()) return;
    const refused = refusedToken(err);
    if (refused) refuse('SLACK_APP_TOKEN', refused);
    throw err;
  }
  if (stopping()) return;
  state = 'serving';
  logger.info({ port, mode: env.SLACK_APP_TOKEN ? 'socket' : 'http', workPid: work.pid }, 'taking Slack requests');
}

/** The forked work process: the listeners, the runbook and the store, fed by the front over IPC. */
async function runWork(env: RuntimeEnv, config: BotConfig, logger: Logger, secrets: string[]): Promise<void> {
  // Loaded here only: the front never loads the runbook, the store drivers or dockerode (its memory stays small).
  const { startWorker } = await import('./bot');
  const worker = await startWorker({ env, config, logger, secrets, metricsProcess: 'work' });
  let stopping = false;
  const stop = (graceMs: number) => {
    if (stopping) return;
    stopping = true;
    worker.stop(graceMs).then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  // The front gone (killed, crashed) is the replica gone: stop at once; what was in flight resumes elsewhere.
  process.on('disconnect', () => {
    if (stopping) return;
    logger.error('the front process is gone; the work process stops now');
    process.exit(1);
  });
  // Ctrl-C reaches the whole process group; the front decides how to stop. A signal sent to this process alone
  // stops it gracefully (the front then exits too).
  process.on('SIGINT', () => undefined);
  process.on('SIGTERM', () => stop(GRACE_MS));
  serveFront(worker, stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`rollback-bot: failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
