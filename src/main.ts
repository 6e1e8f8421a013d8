// First, for its side effect: V8 favours a small heap in both processes of a replica (replica/lean-heap.ts says why).
import './replica/lean-heap';
/**
 * The entry point, as thin as it can be: settings → logger → this process's role → run. A replica is two processes
 * of this same program: the front (replica/front-process.ts: transport, acknowledgements, health), which forks the
 * work process (replica/work-process.ts: listeners, runbook, store) with the work role in its environment.
 */
import { readSettings, USAGE } from './config/settings';
import { createLogger } from './logger';
import { runFront } from './replica/front-process';
import { WORK_ROLE, WORK_ROLE_VARIABLE } from './replica/ipc-messages';
import { runWork } from './replica/work-process';

async function main(): Promise<void> {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    process.stdout.write(USAGE);
    return;
  }
  const { env, config, secrets } = readSettings();
  const logger = createLogger({ level: env.LOG_LEVEL, secrets });
  // A stray rejection in a library must not take down a bot that is in the middle of a rollback.
  process.on('unhandledRejection', (err) => logger.error({ err }, 'unhandled promise rejection'));
  if (process.env[WORK_ROLE_VARIABLE] !== WORK_ROLE) return runFront(env, logger, __filename);
  await runWork(async () => {
    // Loaded here only: the front never loads the runbook, the store drivers or dockerode (its memory stays small).
    const { startWorker } = await import('./bot');
    return startWorker({ env, config, logger, secrets, metricsProcess: 'work' });
  }, logger);
}

main().catch((err: unknown) => {
  process.stderr.write(`rollback-bot: failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
