/**
 * The process Slack talks to: listens, acknowledges, answers /healthz and /readyz, and forks the work process that
 * does everything else. A replica is both or neither: it exits when the work process exits (the orchestrator
 * restarts the replica), and the work process exits when it is gone (work-process.ts).
 */
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { RuntimeEnv } from '../config/env';
import { checkAppToken, checkBotToken, refusedToken } from '../slack/token-check';
import { createFront, type FrontState } from './front';
import { forkWork, linkToCurrent, type WorkProcess } from './ipc-link';
import { GRACE_MS } from './ipc-messages';

/** On SIGTERM the process exits by this long, whatever happens (in-flight steps get GRACE_MS of it). */
export const HARD_STOP_MS = 10_000;

/** A token Slack rejects: one line, exit code 2 (the orchestrator shows it; restarting would not help). */
function refuse(variable: string, error: string): never {
  process.stderr.write(
    `rollback-bot: Slack refused ${variable} (${error}): copy the token again from the app's settings page ` +
      `(README "Slack app setup")\n`,
  );
  process.exit(2);
}

/** Both tokens asked about before the work process starts (and resumes whatever a crash left). */
async function checkTokens(env: RuntimeEnv, logger: Logger): Promise<void> {
  const token = await checkBotToken(env.SLACK_BOT_TOKEN, env.SLACK_API_URL);
  if (token.kind === 'refused') refuse('SLACK_BOT_TOKEN', token.error);
  if (token.kind === 'unreachable')
    logger.warn({ reason: token.reason }, `could not check SLACK_BOT_TOKEN: ${token.reason}; starting anyway`);
  if (!env.SLACK_APP_TOKEN) return;
  // A refused app token stops the replica before the work process starts.
  const app = await checkAppToken(env.SLACK_APP_TOKEN, env.SLACK_API_URL);
  if (app.kind === 'refused') refuse('SLACK_APP_TOKEN', app.error);
  if (app.kind === 'unreachable')
    logger.warn({ reason: app.reason }, `could not check SLACK_APP_TOKEN: ${app.reason}; starting anyway`);
}

/** `workModule`: the program to fork as the work process (main.ts itself, which reads the role from the env). */
export async function runFront(env: RuntimeEnv, logger: Logger, workModule: string): Promise<void> {
  let state: FrontState = 'starting';
  /** What the replica waits for while starting, said on /readyz. */
  let waitingFor = 'checking the Slack tokens';
  /** A signal came while starting: the steps still to come are skipped (a function: TypeScript narrows `state`). */
  const stopping = () => state === 'stopping';
  let work: WorkProcess | undefined = undefined;
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
    link: linkToCurrent(() => work?.link),
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

  await checkTokens(env, logger);
  if (stopping()) return;
  waitingFor = 'work process starting';
  // The work process learns the bound port (its default instance id is host:port).
  // Two malloc arenas, not glibc's eight per core: the native side (SQLite, sockets) fragments less under a burst.
  const lean = { MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? '2' };
  work = await forkWork(workModule, { ...process.env, ...lean, PORT: String(port) }, logger);
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
