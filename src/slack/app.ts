import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { App, HTTPReceiver } from '@slack/bolt';
import type { Logger } from 'pino';
import { boltLogger } from '../adapters/slack/bolt-logger';
import type { RuntimeEnv } from '../config/env';

export const EVENTS_PATH = '/slack/events';
export const HEALTHZ_PATH = '/healthz';
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
  firstDelivery: (key: string) => boolean;
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
      customRoutes: [{ path: HEALTHZ_PATH, method: ['GET'], handler: healthz }],
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
    app = new App({ token: env.SLACK_BOT_TOKEN, receiver, logger: log, clientOptions, tokenVerificationEnabled: false });
    // Our own server in front of Bolt's request listener: /healthz, refusal while stopping, future timestamps.
    const server: Server = createServer((req, res) => {
      const path = (req.url ?? '').split('?')[0];
      if (path === HEALTHZ_PATH && req.method === 'GET') return healthz(req, res);
      if (path === EVENTS_PATH) {
        if (!opts.accepting()) {
          res.writeHead(503, { 'Retry-After': '5' }).end();
          return;
        }
        const ts = Number(req.headers['x-slack-request-timestamp']);
        if (Number.isFinite(ts) && ts > Date.now() / 1000 + FUTURE_TOLERANCE_S) {
          logger.warn({ timestamp: ts }, 'refused a Slack request with a timestamp in the future');
          res.writeHead(401).end();
          return;
        }
      }
      receiver.requestListener(req, res);
    });
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
  app.use(async (args) => {
    const body = args.body as unknown as Record<string, unknown>;
    const key = deliveryKey(body);
    if (key && !opts.firstDelivery(key)) {
      const ack = (args as unknown as { ack?: () => Promise<void> }).ack;
      if (ack) await ack();
      logger.info({ key, retryNum: args.context.retryNum, retryReason: args.context.retryReason }, 'ignored a repeated Slack delivery');
      return;
    }
    await args.next();
  });

  return { app, start, stop };
}
