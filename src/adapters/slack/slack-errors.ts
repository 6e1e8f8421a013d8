import { ErrorCode, RollbackBotError } from '../../domain/errors';
import { unreachableIn } from '../../slack/slack-reach';

const HINTS: Record<string, string> = {
  not_in_channel: 'invite the bot to the channel (`/invite @Rollback Bot`)',
  channel_not_found: 'check the channel id in the config, and that the bot was invited',
  invalid_auth: 'check SLACK_BOT_TOKEN',
  missing_scope: 'reinstall the app from manifest.yml so it has the scopes it needs',
  ratelimited: 'Slack is rate limiting the bot',
};

/** WebClient errors (platform errors, HTTP errors, timeouts) as the project's coded error. */
export function translateSlackError(err: unknown, method: string): RollbackBotError {
  if (err instanceof RollbackBotError) return err;
  // No answer at all: the host and the call say it best ("cannot reach slack.com (chat.postMessage): …").
  const unreachable = unreachableIn(err);
  if (unreachable) return new RollbackBotError(ErrorCode.SlackUnreachable, unreachable.message, { cause: err });
  const e = err as { code?: string; data?: { error?: string }; message?: string; retryAfter?: number };
  if (e.code === 'slack_webapi_rate_limited_error') {
    return new RollbackBotError(
      ErrorCode.SlackApiFailed,
      `Slack is rate limiting ${method} (retry after ${e.retryAfter ?? '?'} s)`,
      { cause: err },
    );
  }
  const slackError = e.data?.error;
  const detail = slackError
    ? `${slackError}${HINTS[slackError] ? ` (${HINTS[slackError]})` : ''}`
    : (e.message ?? String(err));
  return new RollbackBotError(ErrorCode.SlackApiFailed, `Slack ${method} failed: ${detail}`, { cause: err });
}
