import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { posix } from 'node:path';
import { App, HTTPReceiver } from '@slack/bolt';
import type { Logger } from 'pino';
import { boltLogger } from './bolt-logger';
import type { DeliveryContext } from './listeners/types';
import type { RuntimeEnv } from '../config/env';

export const EVENTS_PATH = '/slack/events';
export const HEALTHZ_PATH = '/healthz';
/** Ready: the store answers (a load balancer sends no request to a replica that could not record it). */
export const READYZ_PATH = '/readyz';
/** Bolt refuses timestamps older than 5 minutes but not ones from the future; we refuse those beyond this. */
export const FUTURE_TOLERANCE_S = 60;

export interface SlackApp {
  app: App;
  /** Starts listening; resolves with the bound port (useful with PORT=0). */
  start(): Promise<number>;
  stop(): Promise<void>;
}

export interface SlackAppOptions {
  /** False while shutting down: /healthz answers 503 and Slack requests are turned away (Slack retries them). */
  accepting: () => boolean;
  /** Records a delivery; false for one seen before (Slack's retry of a request we already handled). */
  firstDelivery: (key: string) => Promise<boolean>;
  /** Resolves when the bot can serve (its store answers); rejects saying why. */
  ready: () => Promise<void>;
}

/** Slack's payloads are far smaller (a view submission is the largest); anything bigger is not Slack. */
export const MAX_BODY_BYTES = 1024 * 1024;

type Route =
  | { kind: 'events'; url: string }
  | { kind: 'healthz' }
  | { kind: 'readyz' }
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
  return { kind: 'none' };
}

/** Slack's retry of a delivery carries the same trigger id as the original. */
export function deliveryKey(body: Record<string, unknown>): string | null {
  const trigger = body.trigger_id;
  if (typeof trigger !== 'string' || trigger.length === 0) return null;
  return `${typeof body.command === 'string' ? body.command : String(body.type ?? 'request')}:${trigger}`;
}

/**
 * Bolt wiring only: HTTP receiver (signature verification on, ack-then-work) or Socket Mode, a WebClient with
 * bounded timeouts and retries, Bolt's logs routed into pino, GET /healthz, and a guard against Slack's retries.
 */
export function createSlackApp(env: RuntimeEnv, logger: Logger, opts: SlackAppOptions): SlackApp {
  const log = boltLogger(logger);
  const healthz = (_req: IncomingMessage, res: ServerResponse) => {
    const healthy = opts.accepting();
    res.writeHead(healthy ? 200 : 503, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ status: healthy ? 'ok' : 'stopping' }));
  };
  // Liveness stays /healthz (the process answers); readiness also asks the store, within a bound.
  const readyz = (_req: IncomingMessage, res: ServerResponse) => {
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('the store did not answer within 2 s')), 2000);
    });
    const check = opts.accepting() ? Promise.race([opts.ready(), bound]) : Promise.reject(new Error('stopping'));
    check.then(
      () => {
        clearTimeout(timer);
        res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ status: 'ready' }));
      },
      (err: unknown) => {
        clearTimeout(timer);
        logger.warn({ err }, 'not ready');
        res.writeHead(503, { 'Content-Type': 'application/json' }).end(
          JSON.stringify({
            status: 'not ready',
            reason: opts.accepting() ? 'the store does not answer' : 'stopping',
          }),
        );
      },
    );
  };
  const clientOptions = {
    slackApiUrl: env.SLACK_API_URL,
    // The default policy retries for about 30 minutes; an incident cannot wait that long for a card.
    retryConfig: { retries: 2, factor: 2, minTimeout: 500, maxTimeout: 2000, maxRetryTime: 10_000 },
    timeout: 10_000,
    // A 429 is handed to us (the notifier waits a bounded time) instead of pausing every call for Retry-After.
    rejectRateLimitedCalls: true,
    logger: log,
  };

  let app: App;
  let start: () => Promise<number>;
  let stop: () => Promise<void>;
  if (env.SLACK_APP_TOKEN) {
    app = new App({
      token: env.SLACK_BOT_TOKEN,
      appToken: env.SLACK_APP_TOKEN,
      socketMode: true,
      // Bolt would call auth.test in the constructor and crash the process if Slack is unreachable at that moment;
      // startBot checks the token itself and only warns.
      tokenVerificationEnabled: false,
      logger: log,
      clientOptions,
      customRoutes: [
        { path: HEALTHZ_PATH, method: ['GET'], handler: healthz },
        { path: READYZ_PATH, method: ['GET'], handler: readyz },
      ],
      installerOptions: { port: env.PORT },
    });
    start = async () => {
      await app.start();
      return env.PORT;
    };
    stop = () => app.stop() as Promise<void>;
  } else {
    const receiver = new HTTPReceiver({
      signingSecret: env.SLACK_SIGNING_SECRET as string,
      endpoints: EVENTS_PATH,
      processBeforeResponse: false,
      logger: log,
    });
    app = new App({
      token: env.SLACK_BOT_TOKEN,
      receiver,
      logger: log,
      clientOptions,
      tokenVerificationEnabled: false,
    });
    // Our own server in front of Bolt's request listener. The port faces the internet: only POST /slack/events
    // reaches Bolt (whose listener throws, outside any handler, for anything else); every other request is answered
    // here. Checks run on the normalised path, and Bolt is handed that same path.
    const server: Server = createServer((req, res) => {
      const route = routeOf(req.method, req.url);
      if (route.kind === 'healthz') return healthz(req, res);
      if (route.kind === 'readyz') return readyz(req, res);
      if (route.kind !== 'events') {
        res
          .writeHead(route.kind === 'method' ? 405 : 404, {
            'Content-Type': 'text/plain',
            ...(route.kind === 'method' ? { Allow: route.allow } : {}),
          })
          .end(route.kind === 'method' ? 'Method Not Allowed' : 'Not Found');
        return;
      }
      if (!opts.accepting()) {
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
    start = () =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(env.PORT, () => {
          const address = server.address();
          resolve(typeof address === 'object' && address ? address.port : env.PORT);
        });
      });
    stop = () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
  }

  // Slack retries a delivery it thinks we missed (X-Slack-Retry-Num). The first one did the work: ack, do nothing.
  // The store is asked while the listener acks (a database round trip must not delay the ack); the listener waits
  // for the answer after its ack (afterAck) and does nothing for a repeat. If the store cannot answer, the work is
  // done: the per-environment lock and compare-and-set still keep it from running twice.
  app.use(async (args) => {
    const body = args.body as unknown as Record<string, unknown>;
    const key = deliveryKey(body);
    if (key) {
      const first = opts.firstDelivery(key).then(
        (isFirst) => {
          if (!isFirst)
            logger.info(
              { key, retryNum: args.context.retryNum, retryReason: args.context.retryReason },
              'ignored a repeated Slack delivery',
            );
          return isFirst;
        },
        (err: unknown) => {
          logger.warn({ err, key }, 'could not check for a repeated delivery; handling it');
          return true;
        },
      );
      (args.context as DeliveryContext).firstDelivery = first;
    }
    await args.next();
  });

  return { app, start, stop };
}
