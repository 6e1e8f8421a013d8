/**
 * The tokens, checked once at start: a token Slack rejects stops the bot with one line (a replica that can never post
 * a card must not look healthy); a Slack out of reach does not (it may come back, and Slack retries deliveries).
 */
import { WebClient } from '@slack/web-api';
import { ErrorCode, RollbackBotError } from '../domain/errors';
import { namingFetch, unreachableIn } from './slack-reach';

/** Slack's answers that mean the token itself is wrong (not a passing outage). */
export const TOKEN_REFUSED = new Set([
  'invalid_auth',
  'not_authed',
  'account_inactive',
  'token_revoked',
  'token_expired',
  'team_disabled',
  'user_removed_from_team',
  'not_allowed_token_type',
]);

/** Slack refused a token (named by its variable): restarting does not help, a new token does. */
export class SlackTokenRefused extends RollbackBotError {
  constructor(
    readonly variable: string,
    readonly slackError: string,
  ) {
    super(ErrorCode.SlackTokenRefused, `Slack refused ${variable} (${slackError})`);
    this.name = 'SlackTokenRefused';
  }
}

/** The Slack error code of a WebClient platform error, if it is one that refuses the token. */
export function refusedToken(err: unknown): string | undefined {
  if (err instanceof SlackTokenRefused) return err.slackError;
  const code = (err as { data?: { error?: unknown } } | null)?.data?.error;
  return typeof code === 'string' && TOKEN_REFUSED.has(code) ? code : undefined;
}

export type TokenCheck =
  | { kind: 'accepted'; botUserId: string; team: string }
  | { kind: 'refused'; error: string }
  /** `reason` names the host and the call: "cannot reach slack.com (auth.test): getaddrinfo ENOTFOUND slack.com". */
  | { kind: 'unreachable'; reason: string };

/** Why a check got no usable answer, naming the host and the call when the network is why. */
function unreachable(err: unknown): TokenCheck {
  return {
    kind: 'unreachable',
    reason: unreachableIn(err)?.message ?? (err instanceof Error ? err.message : String(err)),
  };
}

/** A WebClient that makes one attempt within `timeoutMs` and logs nothing. */
function checkingClient(token: string, slackApiUrl: string, timeoutMs: number): WebClient {
  return new WebClient(token, {
    slackApiUrl,
    timeout: timeoutMs,
    retryConfig: { retries: 0 },
    fetch: namingFetch(),
    // Its own logging would print the failure a second time, with the request; ours says it once.
    logger: {
      debug() {},
      info() {},
      warn() {},
      error() {},
      setLevel() {},
      getLevel: () => 'error' as never,
      setName() {},
    },
  });
}

/** auth.test with the bot token, one attempt within `timeoutMs`. */
export async function checkBotToken(token: string, slackApiUrl: string, timeoutMs = 5000): Promise<TokenCheck> {
  const client = checkingClient(token, slackApiUrl, timeoutMs);
  try {
    const res = await client.auth.test();
    return { kind: 'accepted', botUserId: String(res.user_id ?? ''), team: String(res.team ?? '') };
  } catch (err) {
    const refused = refusedToken(err);
    if (refused) return { kind: 'refused', error: refused };
    return unreachable(err);
  }
}

/**
 * apps.connections.open with the app token, one attempt: checked before the work process starts (and resumes what a
 * crash left), so a refused token stops the replica before it does anything. The URL it returns goes unused.
 */
export async function checkAppToken(token: string, slackApiUrl: string, timeoutMs = 5000): Promise<TokenCheck> {
  const client = checkingClient(token, slackApiUrl, timeoutMs);
  try {
    await client.apps.connections.open();
    return { kind: 'accepted', botUserId: '', team: '' };
  } catch (err) {
    const refused = refusedToken(err);
    if (refused) return { kind: 'refused', error: refused };
    return unreachable(err);
  }
}
