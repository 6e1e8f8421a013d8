/**
 * /healthz and /readyz. Liveness: answered means alive, whatever the process waits for (Slack, the work process,
 * the store); an orchestrator that restarted it for those would only start the wait again. Readiness says what is
 * missing, and asks the work side (its store) within a bound, reusing the answer for a moment.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { describeError } from '../domain/errors';
import type { WorkLink } from './work-link';

/**
 * How long a readiness answer is reused: each check costs a store query and a Docker call, and a load balancer (or
 * anyone on the port) may ask far more often than that.
 */
export const READY_CACHE_MS = 1000;
/** The work side's readiness check gets this long. */
export const READY_TIMEOUT_MS = 2000;

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

export interface HealthOptions {
  link: WorkLink;
  /** The front's state, said on /healthz. */
  state: () => string;
  /** Why this replica should not be sent work now, or null when only the work side's own check is left. */
  notReady: () => string | null;
  logger: Logger;
}

/**
 * The work side's readiness, one check at a time, its answer reused for READY_CACHE_MS after it settles.
 */
export function cachedReadiness(ready: () => Promise<void>): () => Promise<void> {
  let readiness: { check: Promise<void>; settledAt: number | null } | null = null;
  return () => {
    const now = Date.now();
    if (readiness && (readiness.settledAt === null || now - readiness.settledAt < READY_CACHE_MS))
      return readiness.check;
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`the store did not answer within ${READY_TIMEOUT_MS / 1000} s`)),
        READY_TIMEOUT_MS,
      );
    });
    const current: { check: Promise<void>; settledAt: number | null } = {
      check: Promise.race([ready(), bound]),
      settledAt: null,
    };
    current.check
      .finally(() => {
        clearTimeout(timer);
        current.settledAt = Date.now();
      })
      .catch(() => undefined);
    readiness = current;
    return current.check;
  };
}

export function health(opts: HealthOptions): { healthz: Handler; readyz: Handler } {
  const workReady = cachedReadiness(() => opts.link.ready());
  return {
    healthz: (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ status: 'ok', state: opts.state() }));
    },
    readyz: (_req, res) => {
      const notNow = opts.notReady();
      const check = notNow ? Promise.reject(new Error(notNow)) : workReady();
      check.then(
        () => res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ status: 'ready' })),
        (err: unknown) => {
          opts.logger.debug({ err }, 'not ready');
          res
            .writeHead(503, { 'Content-Type': 'application/json' })
            .end(JSON.stringify({ status: 'not ready', reason: describeError(err, 200) }));
        },
      );
    },
  };
}
