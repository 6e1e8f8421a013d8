/**
 * The front: the transport only. Slack's requests come in (the HTTP receiver, which verifies each signature, or
 * Socket Mode), are acknowledged at once and handed to the work side over a WorkLink; /healthz and /readyz are
 * answered here, /metrics merges the work side's metrics with the front's own, and /api/v1/… (the deploy gate) is
 * passed to the work side, which holds the tokens and the store. No store write, no Slack call and no runbook step runs on this event loop, so a burst of requests is
 * acknowledged at the pace of a bare Bolt app whatever the work behind them costs.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { posix } from 'node:path';
import { HTTPReceiver, type ReceiverEvent, SocketModeReceiver, type App } from '@slack/bolt';
import type { Logger } from 'pino';
import { boltLogger } from './bolt-logger';
import { AggregatorRegistry, type Registry } from 'prom-client';
import { answeredInAck, type MetricsJson, type WorkLink } from './forwarding';
import { API_MAX_BODY, API_PREFIX } from '../api/api';
import type { RuntimeEnv } from '../config/env';
import { describeError } from '../domain/errors';

export const EVENTS_PATH = '/slack/events';
export const HEALTHZ_PATH = '/healthz';
/** Ready: the store answers (a load balancer sends no request to a replica that could not record it). */
export const READYZ_PATH = '/readyz';
/** Prometheus's scrape: the work side's metrics and the front's own process metrics. */
export const METRICS_PATH = '/metrics';
/** Bolt refuses timestamps older than 5 minutes but not ones from the future; we refuse those beyond this. */
export const FUTURE_TOLERANCE_S = 60;
/** How long the front waits for a listener's answer that travels in the ack (Slack gives up at 3 s). */
export const ACK_ANSWER_WAIT_MS = 2500;

/** Slack's payloads are far smaller (a view submission is the largest); anything bigger is not Slack. */
export const MAX_BODY_BYTES = 1024 * 1024;

type Route =
  | { kind: 'events'; url: string }
  | { kind: 'healthz' }
  | { kind: 'readyz' }
  | { kind: 'metrics' }
  | { kind: 'api'; path: string }
  | { kind: 'method'; allow: string }
  | { kind: 'none' };

/**
 * What a request is for, by its normalised path: `/slack/./events`, `//slack/events` and `/slack/events/` are the
 * events endpoint too, so no check can be skipped by spelling the path differently.
 */
export function routeOf(method: string | undefined, rawUrl: string | undefined): Route {
  const [rawPath, query] = (rawUrl ?? '/').split(/\?(.*)/s, 2);
  let decoded: string;
  try {
    decoded = decodeURIComponent(rawPath);
  } catch {
    return { kind: 'none' };
  }
  const path = posix.normalize(`/${decoded}`).replace(/\/+$/, '') || '/';
  if (path === EVENTS_PATH)
    return method === 'POST'
      ? { kind: 'events', url: query ? `${EVENTS_PATH}?${query}` : EVENTS_PATH }
      : { kind: 'method', allow: 'POST' };
  if (path === HEALTHZ_PATH)
    return method === 'GET' || method === 'HEAD' ? { kind: 'healthz' } : { kind: 'method', allow: 'GET, HEAD' };
  if (path === READYZ_PATH)
    return method === 'GET' || method === 'HEAD' ? { kind: 'readyz' } : { kind: 'method', allow: 'GET, HEAD' };
  if (path.startsWith(API_PREFIX)) return { kind: 'api', path };
  if (path === METRICS_PATH)
    return method === 'GET' || method === 'HEAD' ? { kind: 'metrics' } : { kind: 'method', allow: 'GET, HEAD' };
  return { kind: 'none' };
}

/** The deploy gate's path, as Bolt's custom routes (Socket Mode) match it. */
const GATE_ROUTE = '/api/v1/environments/:environment/deploy-gate';
const DEPLOYMENTS_ROUTE = '/api/v1/deployments';
/** The normalised path of an API request. */
const apiPath = (url: string | undefined): string => {
  const route = routeOf('GET', url);
  return route.kind === 'api' ? route.path : '';
};

/** Slack's retry of a delivery carries the same trigger id as the original. */
export function deliveryKey(body: Record<string, unknown>): string | null {
  const trigger = body.trigger_id;
  if (typeof trigger !== 'string' || trigger.length === 0) return null;
  return `${typeof body.command === 'string' ? body.command : String(body.type ?? 'request')}:${trigger}`;
}

export type FrontState = 'starting' | 'serving' | 'stopping';

export interface FrontOptions {
  /** Serving: Slack requests are taken. Starting or stopping: they are turned away (Slack retries them). */
  state: () => FrontState;
  link: WorkLink;
  /** The address to listen on; default every address (a container's port is published from outside it). */
  host?: string;
  /** The front's own registry (its process metrics), served beside the work side's; none when they share a process. */
  metrics?: Registry;
}

export interface Front {
  /** Starts listening; resolves with the bound port (useful with PORT=0). */
  start(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * Stands in for Bolt's app in front of a receiver: acknowledges each delivery, then hands it over. A payload answered
 * in the ack waits for the listener's answer (bounded); a delivery the work side cannot take fails, so Slack retries.
 */
function acknowledger(link: WorkLink, logger: Logger): Pick<App, 'processEvent'> {
  return {
    async processEvent(event: ReceiverEvent): Promise<void> {
      const body = event.body as Record<string, unknown>;
      const handed = link.forward({ body, retryNum: event.retryNum, retryReason: event.retryReason });
      if (!handed) throw new Error('the work process cannot take requests now');
      if (!answeredInAck(body)) {
        handed.catch((err: unknown) => logger.error({ err }, 'a Slack delivery failed after its ack'));
        await event.ack();
        return;
      }
      let timer: NodeJS.Timeout | undefined;
      const answer = await Promise.race([
        handed,
        new Promise<undefined>((resolve) => (timer = setTimeout(resolve, ACK_ANSWER_WAIT_MS, undefined))),
      ]).catch((err: unknown) => {
        logger.error({ err }, 'no answer from the listener for a payload answered in the ack');
        return undefined;
      });
      clearTimeout(timer);
      await event.ack(answer as never);
    },
  };
}

export function createFront(env: RuntimeEnv, logger: Logger, opts: FrontOptions): Front {
  const log = boltLogger(logger);
  const healthz = (_req: IncomingMessage, res: ServerResponse) => {
    const state = opts.state();
    res.writeHead(state === 'serving' ? 200 : 503, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ status: state === 'serving' ? 'ok' : state }));
  };
  // Liveness stays /healthz (the process answers); readiness also asks the store, within a bound.
  const readyz = (_req: IncomingMessage, res: ServerResponse) => {
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('the store did not answer within 2 s')), 2000);
    });
    const state = opts.state();
    const check = state === 'serving' ? Promise.race([opts.link.ready(), bound]) : Promise.reject(new Error(state));
    check.then(
      () => {
        clearTimeout(timer);
        res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ status: 'ready' }));
      },
      (err: unknown) => {
        clearTimeout(timer);
        logger.debug({ err }, 'not ready');
        const now = opts.state();
        res
          .writeHead(503, { 'Content-Type': 'application/json' })
          .end(JSON.stringify({ status: 'not ready', reason: now === 'serving' ? describeError(err, 200) : now }));
      },
    );
  };
  // The work side's metrics merged with the front's own (distinct `process` labels keep their series apart).
  const metrics = (_req: IncomingMessage, res: ServerResponse) => {
    Promise.all([opts.link.metrics(), opts.metrics?.getMetricsAsJSON() ?? Promise.resolve([])])
      .then(([work, front]) => {
        const merged = AggregatorRegistry.aggregate([work, front as MetricsJson]);
        return merged.metrics().then((text) => res.writeHead(200, { 'Content-Type': merged.contentType }).end(text));
      })
      .catch((err: unknown) => {
        logger.warn({ err }, 'could not collect the metrics');
        res.writeHead(503, { 'Content-Type': 'text/plain' }).end('the work process did not answer\n');
      });
  };
  // The HTTP API (the deploy gate): answered by the work side, which holds the config's tokens and the store.
  const api = (req: IncomingMessage, res: ServerResponse, path: string) => {
    const auth = req.headers.authorization;
    const answer = (body?: string) =>
      opts.link
        .api({
          method: req.method ?? 'GET',
          path,
          ...(typeof auth === 'string' ? { authorization: auth } : {}),
          remote: req.socket.remoteAddress ?? 'unknown',
          ...(body !== undefined ? { body } : {}),
        })
        .then(
          (a) => {
            res.writeHead(a.status, { 'Content-Type': 'application/json', ...a.headers });
            res.end(req.method === 'HEAD' ? undefined : JSON.stringify(a.body));
          },
          (err: unknown) => {
            logger.warn({ err }, 'the API request got no answer from the work process');
            res.writeHead(503, { 'Content-Type': 'application/json', 'Retry-After': '5' });
            res.end(JSON.stringify({ error: 'unavailable', message: 'The bot is starting or stopping; try again.' }));
          },
        );
    if (req.method !== 'POST') return void answer();
    // A report is small: a larger body is refused before it is read whole.
    const tooLarge = () => {
      res.writeHead(413, { 'Content-Type': 'application/json', Connection: 'close' });
      res.end(JSON.stringify({ error: 'too_large', message: `At most ${API_MAX_BODY} bytes.` }));
      req.destroy();
    };
    if (Number(req.headers['content-length'] ?? 0) > API_MAX_BODY) return tooLarge();
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > API_MAX_BODY) {
        if (!res.headersSent) tooLarge();
      } else chunks.push(c);
    });
    req.on('end', () => {
      if (size <= API_MAX_BODY) void answer(Buffer.concat(chunks).toString('utf8'));
    });
  };
  const app = acknowledger(opts.link, logger) as App;

  if (env.SLACK_APP_TOKEN) {
    const receiver = new SocketModeReceiver({
      appToken: env.SLACK_APP_TOKEN,
      logger: log,
      customRoutes: [
        { path: HEALTHZ_PATH, method: ['GET'], handler: healthz },
        { path: READYZ_PATH, method: ['GET'], handler: readyz },
        { path: METRICS_PATH, method: ['GET'], handler: metrics },
        {
          path: GATE_ROUTE,
          method: ['GET', 'HEAD'],
          handler: (req, res) => api(req, res, apiPath(req.url)),
        },
        { path: DEPLOYMENTS_ROUTE, method: ['POST'], handler: (req, res) => api(req, res, apiPath(req.url)) },
      ],
      // The Socket Mode client opens its connection through apps.connections.open at this API URL.
      installerOptions: { port: env.PORT, clientOptions: { slackApiUrl: env.SLACK_API_URL, timeout: 10_000 } },
    });
    receiver.init(app);
    return {
      start: async () => {
        await receiver.start();
        return env.PORT;
      },
      stop: async () => {
        await receiver.stop();
      },
    };
  }

  const receiver = new HTTPReceiver({
    signingSecret: env.SLACK_SIGNING_SECRET as string,
    endpoints: EVENTS_PATH,
    processBeforeResponse: false,
    logger: log,
  });
  receiver.init(app);
  // Our own server in front of Bolt's request listener. The port faces the internet: only POST /slack/events
  // reaches Bolt (whose listener throws, outside any handler, for anything else); every other request is answered
  // here. Checks run on the normalised path, and Bolt is handed that same path.
  const server: Server = createServer((req, res) => {
    const route = routeOf(req.method, req.url);
    if (route.kind === 'healthz') return healthz(req, res);
    if (route.kind === 'readyz') return readyz(req, res);
    if (route.kind === 'metrics') return metrics(req, res);
    if (route.kind === 'api') return api(req, res, route.path);
    if (route.kind !== 'events') {
      res
        .writeHead(route.kind === 'method' ? 405 : 404, {
          'Content-Type': 'text/plain',
          ...(route.kind === 'method' ? { Allow: route.allow } : {}),
        })
        .end(route.kind === 'method' ? 'Method Not Allowed' : 'Not Found');
      return;
    }
    if (opts.state() !== 'serving') {
      res.writeHead(503, { 'Retry-After': '5' }).end();
      return;
    }
    const length = Number(req.headers['content-length'] ?? 0);
    if (length > MAX_BODY_BYTES) {
      res.writeHead(413, { Connection: 'close' }).end();
      req.destroy();
      return;
    }
    const ts = Number(req.headers['x-slack-request-timestamp']);
    if (Number.isFinite(ts) && ts > Date.now() / 1000 + FUTURE_TOLERANCE_S) {
      logger.warn({ timestamp: ts }, 'refused a Slack request with a timestamp in the future');
      res.writeHead(401).end();
      return;
    }
    req.url = route.url;
    // A chunked body has no Content-Length: count it as it arrives.
    let seen = 0;
    req.on('data', (chunk: Buffer) => {
      seen += chunk.length;
      if (seen > MAX_BODY_BYTES && !res.headersSent) {
        res.writeHead(413, { Connection: 'close' }).end();
        req.destroy();
      }
    });
    try {
      receiver.requestListener(req, res);
    } catch (err) {
      logger.warn({ err, path: route.url }, 'the Slack receiver refused a request');
      if (!res.headersSent) res.writeHead(404).end();
    }
  });
  // A request that is not HTTP at all, or a socket error, is answered 400 and never reaches a handler.
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;
  return {
    start: () =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(env.PORT, opts.host, () => {
          const address = server.address();
          resolve(typeof address === 'object' && address ? address.port : env.PORT);
        });
      }),
    stop: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}
