/**
 * The forked work process's life: it starts the work side (the listeners, the runbook, the store), is fed by the
 * front over IPC, and stops when the front asks, on SIGTERM, or at once when the front is gone (killed, crashed):
 * what was in flight resumes elsewhere.
 */
import type { Logger } from 'pino';
import { GRACE_MS } from './ipc-messages';
import { serveFront } from './ipc-serve';
import type { WorkSide } from './work-link';

export interface StoppableWork extends WorkSide {
  /** Lets in-flight steps finish (bounded), sends what is still paced, closes the store. */
  stop(graceMs?: number): Promise<void>;
}

/** `startWork` is given by main.ts, so that only the work process loads the runbook, the store drivers, dockerode. */
export async function runWork(startWork: () => Promise<StoppableWork>, logger: Logger): Promise<void> {
  const work = await startWork();
  let stopping = false;
  const stop = (graceMs: number) => {
    if (stopping) return;
    stopping = true;
    work.stop(graceMs).then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  process.on('disconnect', () => {
    if (stopping) return;
    logger.error('the front process is gone; the work process stops now');
    process.exit(1);
  });
  // Ctrl-C reaches the whole process group; the front decides how to stop. A signal sent to this process alone
  // stops it gracefully (the front then exits too).
  process.on('SIGINT', () => undefined);
  process.on('SIGTERM', () => stop(GRACE_MS));
  serveFront(work, stop);
}
