/**
 * Slack out of reach, said so an operator can act on it: which host, which Web API call, and the network's own reason
 * ("cannot reach slack.com (apps.connections.open): getaddrinfo ENOTFOUND slack.com"). The WebClient alone says
 * "http request failed fetch failed", which names neither.
 */
import type { FetchFunction, RetryOptions } from '@slack/web-api';
import type { Logger } from 'pino';
import { ErrorCode, RollbackBotError } from '../domain/errors';

/** The host and the Web API method of a call ("slack.com", "chat.postMessage"); "response_url" for anything else. */
export function callOf(url: string): { host: string; method: string } {
  try {
    const u = new URL(url);
    const api = /\/api\/([^/?#]+)$/.exec(u.pathname);
    return { host: u.host, method: api ? api[1] : 'response_url' };
  } catch {
    return { host: 'Slack', method: 'unknown' };
  }
}

/**
 * What the network said, in its own words: undici's "fetch failed" hides it in `cause` (an AggregateError when
 * several addresses were tried).
 */
export function networkReason(err: unknown): string {
  const e = err as { name?: string; message?: string; cause?: unknown } | null;
  if (e?.name === 'TimeoutError') return 'no answer before the timeout';
  if (e?.name === 'AbortError') return 'the request was aborted';
  const cause = e?.cause as { message?: string; code?: string; errors?: Array<{ message?: string }> } | undefined;
  const fromCause = cause?.message || cause?.errors?.find((x) => x?.message)?.message || cause?.code;
  return fromCause || e?.message || String(err);
}

/** A Web API call that got no HTTP answer at all (connection refused, no DNS, no route, timed out). */
export class SlackUnreachable extends RollbackBotError {
  constructor(
    readonly host: string,
    readonly method: string,
    readonly reason: string,
    cause: unknown,
  ) {
    super(ErrorCode.SlackUnreachable, `cannot reach ${host} (${method}): ${reason}`, { cause });
    this.name = 'SlackUnreachable';
  }
}

/** The SlackUnreachable inside a WebClient error (its `original`), if there is one. */
export function unreachableIn(err: unknown): SlackUnreachable | undefined {
  if (err instanceof SlackUnreachable) return err;
  const original = (err as { original?: unknown } | null)?.original;
  return original instanceof SlackUnreachable ? original : undefined;
}

/** A fetch for a WebClient whose network failures name the host and the call that failed. */
export function namingFetch(inner: FetchFunction = fetch as unknown as FetchFunction): FetchFunction {
  return async (url, init) => {
    try {
      return await inner(url, init);
    } catch (err) {
      const { host, method } = callOf(String(url));
      throw new SlackUnreachable(host, method, networkReason(err), err);
    }
  };
}

/**
 * The WebClient's retry policy, with one warning per failed attempt naming what was tried. The WebClient's own
 * warning ("http request failed …") is left at debug by boltLogger: this one replaces it.
 */
export function loggedRetries(logger: Logger, policy: RetryOptions): RetryOptions {
  const retries = policy.retries ?? 10;
  const onFailedAttempt = (err: { attemptNumber?: number; statusCode?: number; message?: string }) => {
    const unreachable = unreachableIn(err);
    const what = unreachable
      ? unreachable.message
      : err.statusCode
        ? `Slack answered HTTP ${err.statusCode}`
        : (err.message ?? String(err));
    logger.warn(
      { component: 'slack', attempt: err.attemptNumber, ...(unreachable ? { host: unreachable.host } : {}) },
      `${what} (attempt ${err.attemptNumber ?? '?'} of at most ${retries + 1})`,
    );
  };
  // p-retry (under the WebClient) calls it; the WebClient's type does not list it.
  return { ...policy, onFailedAttempt } as RetryOptions;
}
