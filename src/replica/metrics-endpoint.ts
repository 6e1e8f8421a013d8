/**
 * GET /metrics: the work side's metrics merged with the front's own process metrics. It names every environment and
 * the live incidents, so it answers only the holder of the metrics token (and is off without one).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { METRICS_TOKEN_VARIABLE } from './routes';
import type { MetricsJson, WorkLink } from './work-link';

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest();

export interface MetricsEndpoint {
  /** A token is set: the endpoint answers its holder. */
  on: boolean;
  handle(req: IncomingMessage, res: ServerResponse): void;
}

export function metricsEndpoint(
  token: string | undefined,
  link: WorkLink,
  own: Registry | undefined,
  logger: Logger,
): MetricsEndpoint {
  // Hashed: both sides of the comparison have the same length, whatever the caller sends.
  const expected = token ? sha256(token) : null;
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    if (!expected) {
      res
        .writeHead(404, { 'Content-Type': 'text/plain' })
        .end(
          `GET /metrics is off: set ${METRICS_TOKEN_VARIABLE} and send it as a bearer token (docs/api.md "Metrics").\n`,
        );
      return;
    }
    const given = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
    if (!given || !timingSafeEqual(sha256(given[1]), expected)) {
      res
        .writeHead(401, { 'Content-Type': 'text/plain', 'WWW-Authenticate': 'Bearer realm="rollback-bot metrics"' })
        .end(`A bearer token is needed: Authorization: Bearer <${METRICS_TOKEN_VARIABLE}>.\n`);
      return;
    }
    // Distinct `process` labels keep the two processes' series apart. prom-client loads on the first scrape: a front
    // whose /metrics nobody reads never carries it (about 5 MB).
    Promise.all([link.metrics(), own?.getMetricsAsJSON() ?? Promise.resolve([]), import('prom-client')])
      .then(([work, front, { AggregatorRegistry }]) => {
        const merged = AggregatorRegistry.aggregate([work, front as MetricsJson]);
        return merged.metrics().then((text) => res.writeHead(200, { 'Content-Type': merged.contentType }).end(text));
      })
      .catch((err: unknown) => {
        logger.warn({ err }, 'could not collect the metrics');
        res.writeHead(503, { 'Content-Type': 'text/plain' }).end('the work process did not answer\n');
      });
  };
  return { on: expected !== null, handle };
}
