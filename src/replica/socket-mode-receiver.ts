/**
 * Slack's envelopes over Socket Mode: Bolt's SocketModeReceiver, with no server of its own (its custom routes decode
 * paths a second time and hang on a malformed %-escape; front.ts serves every route). What this adds is how the
 * connection is opened and kept: apps.connections.open goes through `slackFetch`, which waits out a Slack out of reach
 * and a token refused while running, and says why on /readyz meanwhile.
 */
import type { App } from '@slack/bolt';
import type SocketModeReceiverType from '@slack/bolt/dist/receivers/SocketModeReceiver';

/** Bolt's Socket Mode receiver, loaded only when Socket Mode is used (an HTTP front never carries its WebSocket). */
function boltSocketModeReceiver(): typeof SocketModeReceiverType {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on demand, synchronously
  return (require('@slack/bolt/dist/receivers/SocketModeReceiver') as { default: typeof SocketModeReceiverType })
    .default;
}
import type { FetchFunction } from '@slack/web-api';
import type { Logger } from 'pino';
import { boltLogger } from '../slack/bolt-logger';
import { callOf, networkReason } from '../slack/slack-reach';
import { SlackTokenRefused, TOKEN_REFUSED } from '../slack/token-check';

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

export interface SocketMode {
  /** Why this replica hears nothing from Slack now (token refused, not connected), or null. */
  notReady(): string | null;
  /**
   * Opens the connection to Slack. Rejects with SlackTokenRefused when Slack refuses the app token; waits (not ready,
   * saying why) for as long as Slack is out of reach.
   */
  connect(): Promise<void>;
  /** Stops every wait at once (a stop must not sit behind a retry pause); call before `disconnect`. */
  halt(): void;
  /** Closes the connection, waiting for the close handshake within a bound. */
  disconnect(): Promise<void>;
}

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

export function socketModeReceiver(
  app: App,
  opts: { appToken: string; slackApiUrl: string | undefined; logger: Logger },
): SocketMode {
  const { logger } = opts;
  // Refused at start, `connect()` fails (the replica stops, exit 2). Refused while running (the token was revoked),
  // the call is held and asked again with a growing pause while /readyz says why: the replica keeps what it is doing
  // (a rollback in flight, the deploy gate, the cards), and it hears Slack again as soon as Slack takes the token.
  /** Why Slack refuses the app token now (while running; it is asked again and again), or null. */
  let appTokenRefused: string | null = null;
  let stopping = false;
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
  const socket = new (boltSocketModeReceiver())({
    appToken: opts.appToken,
    logger: boltLogger(logger),
    // The client opens its connection through apps.connections.open at this API URL.
    installerOptions: { clientOptions: { slackApiUrl: opts.slackApiUrl, timeout: 10_000, fetch: slackFetch } },
  });
  socket.init(app);
  // Whether the connection is open, as the client says: readiness follows it (a dropped connection is reopened by
  // the client; meanwhile this replica hears nothing from Slack).
  socket.client.on('connected', () => (socketOpen = true));
  for (const closed of ['close', 'disconnected', 'reconnecting']) socket.client.on(closed, () => (socketOpen = false));

  return {
    notReady: () => {
      if (appTokenRefused) return `Slack refused SLACK_APP_TOKEN (${appTokenRefused}); asking again`;
      if (connecting && !socketOpen)
        return `not connected to Slack${slackTrouble ? `: ${slackTrouble}` : ' (connecting)'}`;
      return null;
    },
    connect: async () => {
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
    halt: () => {
      stopping = true;
      for (const wake of [...wakers]) wake();
    },
    disconnect: async () => {
      // Bolt's stop() does not wait for the close handshake; wait for it, within a bound.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([socket.client.disconnect(), new Promise((resolve) => (timer = setTimeout(resolve, 2000)))]);
      clearTimeout(timer);
    },
  };
}
