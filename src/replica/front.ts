/**
 * The front: the transport only. Slack's requests come in (the HTTP receiver, which verifies each signature, or
 * Socket Mode), are acknowledged at once and handed to the work side over a WorkLink; /healthz and /readyz are
 * answered here, /metrics merges the work side's metrics with the front's own, and /api/v1/… (the deploy gate) is
 * passed to the work side, which holds the tokens and the store. No store write, no Slack call and no runbook step
 * runs on this event loop, so a burst of requests is acknowledged at the pace of a bare Bolt app whatever the work
 * behind them costs.
 *
 * One HTTP server and one route table serve both modes (Bolt's Socket Mode receiver runs no server of its own here:
 * its custom routes decode paths a second time and hang on a malformed %-escape). The port is bound first; the Slack
 * connection (Socket Mode) is opened by `connect()`, once the work side takes deliveries.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { posix } from 'node:path';
import type { ReceiverEvent, App } from '@slack/bolt';
// One receiver, not Bolt's index: the index loads all of Bolt (the App, Express, the OAuth flow: about 270 more
// modules, 12 MB of the front's memory). Socket Mode's receiver, and its client, load only in Socket Mode.
import HTTPReceiver from '@slack/bolt/dist/receivers/HTTPReceiver';
import type SocketModeReceiverType from '@slack/bolt/dist/receivers/SocketModeReceiver';
import type { FetchFunction } from '@slack/web-api';
import type { Logger } from 'pino';
import { boltLogger } from '../slack/bolt-logger';
import type { Registry } from 'prom-client';
import { answeredInAck, type MetricsJson, type WorkLink } from './work-link';
import { SlackTokenRefused, TOKEN_REFUSED } from '../slack/token-check';
import { callOf, networkReason } from '../slack/slack-reach';
import { API_MAX_BODY, API_PREFIX } from '../api/api.wire';
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
/**
 * How long a readiness answer is reused: each check costs a store query and a Docker call, and a load balancer (or
 * anyone on the port) may ask far more often than that.
 */
export const READY_CACHE_MS = 1000;
/** A refused app token while running is asked about again after this long, doubling up to APP_TOKEN_RETRY_MAX_MS. */
export const APP_TOKEN_RETRY_MS = 2000;
export const APP_TOKEN_RETRY_MAX_MS = 60_000;
/**
 * Socket Mode: apps.connections.open that gets no answer (Slack out of reach, or a 5xx) is tried again after this
 * long, doubling up to SLACK_RETRY_MAX_MS, for as long as it takes: a replica that cannot reach Slack stays up (not
 * ready), and connects as soon as Slack answers.
 */
export const SLACK_RETRY_MS = 1000;
export const SLACK_RETRY_MAX_MS = 30_000;
/** The environment variable holding the bearer token for GET /metrics. */
export const METRICS_TOKEN_VARIABLE = 'ROLLBACK_METRICS_TOKEN';

type Route =
  | { kind: 'events'; url: string }
  | { kind: 'healthz' }
  | { kind: 'readyz' }
  | { kind: 'metrics' }
  | { kind: 'api'; path: string }
  | { kind: 'method'; allow: string }
  | { kind: 'malformed' }
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
    // A malformed %-escape: no route could match it; the caller learns it sent a bad request.
    return { kind: 'malformed' };
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

export type FrontState = 'starting' | 'serving' | 'stopping';

export interface FrontOptions {
  /** Serving: Slack requests are taken. Starting or stopping: they are turned away (Slack retries them). */
  state: () => FrontState;
  /** While starting: what it waits for, said on /readyz ("work process starting"). */
  startingReason?: () => string;
  link: WorkLink;
  /** The address to listen on; default every address (a container's port is published from outside it). */
  host?: string;
  /** The front's own registry (its process metrics), served beside the work side's; none when they share a process. */
  metrics?: Registry;
}

export interface Front {
  /**
   * Starts listening and logs where ("listening on http://0.0.0.0:3000 — …"); resolves with the bound port (useful
   * with PORT=0). Opens no connection to Slack. /healthz answers 200 from here on: the process is alive.
   */
  start(): Promise<number>;
  /**
   * Socket Mode: opens the connection to Slack, so call it once the work side takes deliveries (an envelope that
   * arrived before would go unacknowledged). Rejects with SlackTokenRefused when Slack refuses the app token; waits
   * (not ready, saying why) for as long as Slack is out of reach.
   * Nothing to open in HTTP mode (Slack's requests are turned away with 503 until the state says serving).
   */
  connect(): Promise<void>;
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
      // Thrown: Socket Mode leaves the envelope unacknowledged, and Slack delivers it again elsewhere.
      const unavailable = link.unavailable();
      if (unavailable) throw new Error(`the work process cannot take requests now: ${unavailable}`);
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

/** Bolt's Socket Mode receiver, loaded on first use (an HTTP-mode front never needs it nor its WebSocket client). */
function socketModeReceiver(): typeof SocketModeReceiverType {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on demand, synchronously
  return (require('@slack/bolt/dist/receivers/SocketModeReceiver') as { default: typeof SocketModeReceiverType })
    .default;
}

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/** The Slack error of an apps.connections.open answer that refuses the app token, if it is one. */
async function refusalIn(res: Response): Promise<string | undefined> {
  try {
    const body = (await res.clone().json()) as { ok?: unknown; error?: unknown };
    return body.ok === false && typeof body.error === 'string' && TOKEN_REFUSED.has(body.error)
      ? body.error
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Where the bot listens and what it answers there, on one line for the start of the log:
 * "listening on http://0.0.0.0:3000 — POST /slack/events, GET /healthz /readyz /metrics, /api/v1/…".
 */
export function listeningLine(
  host: string | undefined,
  port: number,
  opts: { socketMode: boolean; metrics: boolean },
): string {
  const where = host && host !== '::' && host !== '0.0.0.0' ? (host.includes(':') ? `[${host}]` : host) : '0.0.0.0';
  const routes = `${opts.socketMode ? '' : `POST ${EVENTS_PATH}, `}GET ${HEALTHZ_PATH} ${READYZ_PATH} ${METRICS_PATH}, ${API_PREFIX}…`;
  const metricsOff = opts.metrics ? '' : ` (${METRICS_PATH} is off: set ${METRICS_TOKEN_VARIABLE})`;
  return `listening on http://${where}:${port} — ${routes}${metricsOff}`;
}

export function createFront(env: RuntimeEnv, logger: Logger, opts: FrontOptions): Front {
  const log = boltLogger(logger);
  /** Socket Mode: why Slack refuses the app token now (while running; it is asked again and again), or null. */
  let appTokenRefused: string | null = null;
  let stopping = false;
  // Liveness: answered means alive, whatever the process waits for (Slack, the work process, the store); an
  // orchestrator that restarted it for those would only start the wait again. /readyz says what is missing.
  const healthz = (_req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ status: 'ok', state: opts.state() }));
  };
  // One check at a time, its answer reused for READY_CACHE_MS after it settles.
  let readiness: { check: Promise<void>; settledAt: number | null } | null = null;
  const workReady = (): Promise<void> => {
    const now = Date.now();
    if (readiness && (readiness.settledAt === null || now - readiness.settledAt < READY_CACHE_MS))
      return readiness.check;
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('the store did not answer within 2 s')), 2000);
    });
    const current: { check: Promise<void>; settledAt: number | null } = {
      check: Promise.race([opts.link.ready(), bound]),
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
  /** Why this replica should not be sent work now, or null when only the work side's own check is left. */
  const notReady = (): string | null => {
    const state = opts.state();
    if (state === 'stopping') return 'stopping';
    if (appTokenRefused) return `Slack refused SLACK_APP_TOKEN (${appTokenRefused}); asking again`;
    if (socket && connecting && !socketOpen)
      return `not connected to Slack${slackTrouble ? `: ${slackTrouble}` : ' (connecting)'}`;
    if (state === 'starting') return opts.startingReason?.() ?? 'starting';
    return opts.link.unavailable();
  };
  // Liveness stays /healthz (the process answers); readiness also asks the store, within a bound.
  const readyz = (_req: IncomingMessage, res: ServerResponse) => {
    const notNow = notReady();
    const check = notNow ? Promise.reject(new Error(notNow)) : workReady();
    check.then(
      () => res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ status: 'ready' })),
      (err: unknown) => {
        logger.debug({ err }, 'not ready');
        res
          .writeHead(503, { 'Content-Type': 'application/json' })
          .end(JSON.stringify({ status: 'not ready', reason: describeError(err, 200) }));
      },
    );
  };
  // /metrics names every environment and the live incidents: only for the holder of the metrics token.
  const metricsToken = env.ROLLBACK_METRICS_TOKEN ? sha256(env.ROLLBACK_METRICS_TOKEN) : null;
  const metrics = (req: IncomingMessage, res: ServerResponse) => {
    if (!metricsToken) {
      res
        .writeHead(404, { 'Content-Type': 'text/plain' })
        .end(
          `GET /metrics is off: set ${METRICS_TOKEN_VARIABLE} and send it as a bearer token (docs/api.md "Metrics").\n`,
        );
      return;
    }
    const given = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
    if (!given || !timingSafeEqual(sha256(given[1]), metricsToken)) {
      res
        .writeHead(401, { 'Content-Type': 'text/plain', 'WWW-Authenticate': 'Bearer realm="rollback-bot metrics"' })
        .end(`A bearer token is needed: Authorization: Bearer <${METRICS_TOKEN_VARIABLE}>.\n`);
      return;
    }
    // The work side's metrics merged with the front's own (distinct `process` labels keep their series apart).
    // prom-client loads on the first scrape: a front whose /metrics nobody reads never carries it.
    Promise.all([opts.link.metrics(), opts.metrics?.getMetricsAsJSON() ?? Promise.resolve([]), import('prom-client')])
      .then(([work, front, { AggregatorRegistry }]) => {
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

  // Socket Mode: the connection's apps.connections.open calls go through here. Refused at start, `connect()` fails
  // (the replica stops, exit 2). Refused while running (the token was revoked), the call is held and asked again
  // with a growing pause while /readyz says why: the replica keeps what it is doing (a rollback in flight, the
  // deploy gate, the cards), and it hears Slack again as soon as Slack takes the token.
  let connected = false;
  let refusedAtStart: ((slackError: string) => void) | null = null;
  /** connect() was called: from then on, a closed Slack connection makes the replica not ready. */
  let connecting = false;
  /** The Socket Mode connection is open (Slack sent hello), as the client last said. */
  let socketOpen = false;
  /** Why apps.connections.open last failed to get an answer ("cannot reach …; retrying in 4 s"), or null. */
  let slackTrouble: string | null = null;
  const wakers = new Set<() => void>();
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        wakers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      wakers.add(wake);
    });
  const slackFetch: FetchFunction = async (url, init) => {
    const opening = String(url).endsWith('apps.connections.open');
    for (let attempt = 0, unanswered = 0, refusals = 0; ; attempt += 1) {
      // A later attempt gets a fresh timeout: the first one's signal (the WebClient's) may have fired while held.
      const tried = fetch(url, attempt === 0 ? init : { ...init, signal: AbortSignal.timeout(10_000) });
      if (!opening) return (await tried) as never;
      let res: Response;
      try {
        res = await tried;
        if (res.status >= 500) throw new Error(`answered HTTP ${res.status}`);
      } catch (err) {
        // No answer worth the name: said once per attempt with the host and the call, then asked again (the
        // client's own retries would give up, or log "http request failed" with neither).
        if (stopping) throw err;
        const { host } = callOf(String(url));
        const retryInMs = Math.min(SLACK_RETRY_MS * 2 ** unanswered, SLACK_RETRY_MAX_MS);
        unanswered += 1;
        const why =
          err instanceof Error && err.message.startsWith('answered HTTP')
            ? `${host} ${err.message} (apps.connections.open)`
            : `cannot reach ${host} (apps.connections.open): ${networkReason(err)}`;
        slackTrouble = `${why}; retrying in ${retryInMs / 1000} s`;
        logger.warn({ host, attempt: unanswered, retryInMs }, `${why}, retrying in ${retryInMs / 1000} s`);
        await pause(retryInMs);
        continue;
      }
      if (slackTrouble) logger.info('Slack answers apps.connections.open again');
      slackTrouble = null;
      const refused = await refusalIn(res);
      if (!refused) {
        if (appTokenRefused) logger.info({ slackError: appTokenRefused }, 'Slack takes SLACK_APP_TOKEN again');
        appTokenRefused = null;
        return res as never;
      }
      if (!connected || stopping) {
        refusedAtStart?.(refused);
        return res as never;
      }
      appTokenRefused = refused;
      const retryInMs = Math.min(APP_TOKEN_RETRY_MS * 2 ** refusals, APP_TOKEN_RETRY_MAX_MS);
      refusals += 1;
      logger.error(
        { slackError: refused, retryInMs },
        `Slack refused SLACK_APP_TOKEN (${refused}): not ready, asking again; put a new app token in place (README "Slack app setup")`,
      );
      await pause(retryInMs);
    }
  };
  const socket = env.SLACK_APP_TOKEN
    ? new (socketModeReceiver())({
        appToken: env.SLACK_APP_TOKEN,
        logger: log,
        // The client opens its connection through apps.connections.open at this API URL.
        installerOptions: { clientOptions: { slackApiUrl: env.SLACK_API_URL, timeout: 10_000, fetch: slackFetch } },
      })
    : null;
  socket?.init(app);
  // Whether the connection is open, as the client says: readiness follows it (a dropped connection is reopened by
  // the client; meanwhile this replica hears nothing from Slack).
  socket?.client.on('connected', () => (socketOpen = true));
  for (const closed of ['close', 'disconnected', 'reconnecting']) socket?.client.on(closed, () => (socketOpen = false));
  const receiver = socket
    ? null
    : new HTTPReceiver({
        signingSecret: env.SLACK_SIGNING_SECRET as string,
        endpoints: EVENTS_PATH,
        processBeforeResponse: false,
        logger: log,
      });
  receiver?.init(app);

  // Our own server in front of Bolt's request listener. The port faces the internet: only POST /slack/events
  // reaches Bolt (whose listener throws, outside any handler, for anything else), and only in HTTP mode; every other
  // request is answered here. Checks run on the normalised path, and Bolt is handed that same path.
  const server: Server = createServer((req, res) => {
    const route = routeOf(req.method, req.url);
    if (route.kind === 'healthz') return healthz(req, res);
    if (route.kind === 'readyz') return readyz(req, res);
    if (route.kind === 'metrics') return metrics(req, res);
    if (route.kind === 'api') return api(req, res, route.path);
    if (route.kind === 'malformed') {
      res.writeHead(400, { 'Content-Type': 'text/plain' }).end('Bad Request: malformed %-escape in the path');
      return;
    }
    if (route.kind !== 'events' || !receiver) {
      res
        .writeHead(route.kind === 'method' ? 405 : 404, {
          'Content-Type': 'text/plain',
          ...(route.kind === 'method' ? { Allow: route.allow } : {}),
        })
        .end(route.kind === 'method' ? 'Method Not Allowed' : 'Not Found');
      return;
    }
    // Starting, stopping, or a work process not heard from: Slack retries a 503 (possibly on another replica).
    const unavailable = opts.state() === 'serving' ? opts.link.unavailable() : opts.state();
    if (unavailable) {
      logger.debug({ reason: unavailable }, 'turned a Slack request away');
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
  server.on('clientError', (_err, clientSocket) => {
    if (clientSocket.writable) clientSocket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else clientSocket.destroy();
  });
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;
  return {
    start: () =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(env.PORT, opts.host, () => {
          const address = server.address();
          const port = typeof address === 'object' && address ? address.port : env.PORT;
          logger.info(
            { port, host: opts.host ?? '0.0.0.0', mode: socket ? 'socket' : 'http' },
            listeningLine(opts.host, port, { socketMode: !!socket, metrics: !!metricsToken }),
          );
          resolve(port);
        });
      }),
    connect: async () => {
      if (!socket) return;
      connecting = true;
      // The client itself retries some refusals (token_revoked, token_expired) forever: a refusal seen on the way
      // ends the start here.
      const refused = new Promise<never>((_, reject) => {
        refusedAtStart = (slackError) => reject(new SlackTokenRefused('SLACK_APP_TOKEN', slackError));
      });
      try {
        await Promise.race([socket.start(), refused]);
      } catch (err) {
        // Ends the client's own retries; it has no connection to close.
        void socket.client.disconnect();
        throw err;
      } finally {
        refusedAtStart = null;
      }
      connected = true;
    },
    stop: async () => {
      stopping = true;
      for (const wake of [...wakers]) wake();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      if (!socket) return;
      // Bolt's stop() does not wait for the close handshake; wait for it, within a bound.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([socket.client.disconnect(), new Promise((resolve) => (timer = setTimeout(resolve, 2000)))]);
      clearTimeout(timer);
    },
  };
}
