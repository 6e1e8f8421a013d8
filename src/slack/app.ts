import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { App, HTTPReceiver } from '@slack/bolt';
import type { Logger } from 'pino';
import { boltLogger } from '../adapters/slack/bolt-logger';
import type { RuntimeEnv } from '../config/env';

export const EVENTS_PATH = '/slack/events';
export const HEALTHZ_PATH = '/healthz';

export interface SlackApp {
  app: App;
  /** Starts listening; resolves with the bound port (useful with PORT=0). */
  start(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * Bolt wiring only: HTTP receiver (signature verification on, ack-then-work) or Socket Mode, a WebClient with
 * bounded timeouts and retries, Bolt's logs routed into pino, and GET /healthz.
 */
export function createSlackApp(env: RuntimeEnv, logger: Logger, isHealthy: () => boolean): SlackApp {
  const log = boltLogger(logger);
  const healthz = {
    path: HEALTHZ_PATH,
    method: ['GET'],
    handler: (_req: IncomingMessage, res: ServerResponse) => {
      const healthy = isHealthy();
      res.writeHead(healthy ? 200 : 503, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ status: healthy ? 'ok' : 'stopping' }));
    },
  };
  const clientOptions = {
    slackApiUrl: env.SLACK_API_URL,
    // The default policy retries for about 30 minutes; an incident cannot wait that long for a card.
    retryConfig: { retries: 2, factor: 2, minTimeout: 500, maxTimeout: 2000, maxRetryTime: 10_000 },
    timeout: 10_000,
    logger: log,
  };

  if (env.SLACK_APP_TOKEN) {
    const app = new App({
      token: env.SLACK_BOT_TOKEN,
      appToken: env.SLACK_APP_TOKEN,
      socketMode: true,
      // Bolt would call auth.test in the constructor and crash the process if Slack is unreachable at that moment;
      // startBot checks the token itself and only warns.
      tokenVerificationEnabled: false,
      logger: log,
      clientOptions,
      customRoutes: [healthz],
      installerOptions: { port: env.PORT },
    });
    return {
      app,
      start: async () => {
        await app.start();
        return env.PORT;
      },
      stop: () => app.stop() as Promise<void>,
    };
  }

  const receiver = new HTTPReceiver({
    signingSecret: env.SLACK_SIGNING_SECRET as string,
    endpoints: EVENTS_PATH,
    customRoutes: [healthz],
    processBeforeResponse: false,
    logger: log,
  });
  const app = new App({ token: env.SLACK_BOT_TOKEN, receiver, logger: log, clientOptions, tokenVerificationEnabled: false });
  return {
    app,
    start: async () => {
      const server = (await app.start(env.PORT)) as Server;
      const address = server.address();
      return typeof address === 'object' && address ? address.port : env.PORT;
    },
    stop: () => app.stop() as Promise<void>,
  };
}
