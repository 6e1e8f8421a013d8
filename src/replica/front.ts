/**
 * The front: the transport only. Slack's requests come in (the HTTP receiver, which verifies each signature, or
 * Socket Mode), are acknowledged at once and handed to the work side over a WorkLink; /healthz and /readyz are
 * answered here, /metrics merges the work side's metrics with the front's own, and /api/v1/… (the deploy gate) is
 * passed to the work side, which holds the tokens and the store. No store write, no Slack call and no runbook step
 * runs on this event loop, so a burst of requests is acknowledged at the pace of a bare Bolt app whatever the work
 * behind them costs.
 *
 * One HTTP server and one route table (routes.ts) serve both modes. The port is bound first; the Slack connection
 * (Socket Mode) is opened by `connect()`, once the work side takes deliveries.
 */
import { createServer, type Server } from 'node:http';
import type { App } from '@slack/bolt';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { RuntimeEnv } from '../config/env';
import { acknowledger } from './acknowledger';
import { apiEndpoint } from './api-endpoint';
import { health } from './health';
import { httpReceiver } from './http-receiver';
import { metricsEndpoint } from './metrics-endpoint';
import { listeningLine, routeOf } from './routes';
import { socketModeReceiver } from './socket-mode-receiver';
import type { WorkLink } from './work-link';

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

export function createFront(env: RuntimeEnv, logger: Logger, opts: FrontOptions): Front {
  const app = acknowledger(opts.link, logger) as App;
  const socket = env.SLACK_APP_TOKEN
    ? socketModeReceiver(app, { appToken: env.SLACK_APP_TOKEN, slackApiUrl: env.SLACK_API_URL, logger })
    : null;
  const events = socket
    ? null
    : httpReceiver(app, {
        signingSecret: env.SLACK_SIGNING_SECRET as string,
        // Starting, stopping, or a work process not heard from.
        unavailable: () => (opts.state() === 'serving' ? opts.link.unavailable() : opts.state()),
        logger,
      });
  const { healthz, readyz } = health({
    link: opts.link,
    state: opts.state,
    logger,
    notReady: () => {
      const state = opts.state();
      if (state === 'stopping') return 'stopping';
      const slack = socket?.notReady();
      if (slack) return slack;
      if (state === 'starting') return opts.startingReason?.() ?? 'starting';
      return opts.link.unavailable();
    },
  });
  const metrics = metricsEndpoint(env.ROLLBACK_METRICS_TOKEN, opts.link, opts.metrics, logger);
  const api = apiEndpoint(opts.link, logger);

  // The port faces the internet: only POST /slack/events reaches Bolt (whose listener throws, outside any handler,
  // for anything else), and only in HTTP mode; every other request is answered here, by the normalised path.
  const server: Server = createServer((req, res) => {
    const route = routeOf(req.method, req.url);
    switch (route.kind) {
      case 'healthz':
        return healthz(req, res);
      case 'readyz':
        return readyz(req, res);
      case 'metrics':
        return metrics.handle(req, res);
      case 'api':
        return api(req, res, route.path);
      case 'events':
        if (events) return events(req, res, route.url);
        break;
      case 'malformed':
        res.writeHead(400, { 'Content-Type': 'text/plain' }).end('Bad Request: malformed %-escape in the path');
        return;
      case 'method':
        res.writeHead(405, { 'Content-Type': 'text/plain', Allow: route.allow }).end('Method Not Allowed');
        return;
    }
    res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not Found');
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
            listeningLine(opts.host, port, { socketMode: !!socket, metrics: metrics.on }),
          );
          resolve(port);
        });
      }),
    connect: async () => {
      await socket?.connect();
    },
    stop: async () => {
      socket?.halt();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      await socket?.disconnect();
    },
  };
}
