/** WebClient failures become the project's coded errors: a sentence that says what to do, the original as cause. */
import { ErrorCode, RollbackBotError } from '../../../../src/domain/errors';
import { translateSlackError } from '../../../../src/adapters/slack/slack-errors';
import { SlackUnreachable } from '../../../../src/slack/slack-reach';

describe('translateSlackError', () => {
  it('names the platform error and the fix for the ones people hit', () => {
    const original = Object.assign(new Error('An API error occurred: not_in_channel'), {
      code: 'slack_webapi_platform_error',
      data: { ok: false, error: 'not_in_channel' },
    });
    const err = translateSlackError(original, 'chat.postMessage');
    expect(err).toBeInstanceOf(RollbackBotError);
    expect(err.code).toBe(ErrorCode.SlackApiFailed);
    expect(err.message).toBe(
      'Slack chat.postMessage failed: not_in_channel (invite the bot to the channel (`/invite @Rollback Bot`))',
    );
    expect(err.cause).toBe(original);
  });

  it('says a platform error without a known fix as Slack spelled it', () => {
    const err = translateSlackError({ data: { error: 'msg_too_long' } }, 'chat.update');
    expect(err.message).toBe('Slack chat.update failed: msg_too_long');
  });

  it('says how long Slack asked to wait when it rate limits', () => {
    const err = translateSlackError({ code: 'slack_webapi_rate_limited_error', retryAfter: 7 }, 'chat.postMessage');
    expect(err.code).toBe(ErrorCode.SlackApiFailed);
    expect(err.message).toBe('Slack is rate limiting chat.postMessage (retry after 7 s)');
  });

  it('keeps "cannot reach" as its own code, also when the WebClient wrapped it', () => {
    const down = new SlackUnreachable('slack.com', 'chat.postMessage', 'ECONNREFUSED', new Error('connect'));
    const wrapped = Object.assign(new Error('A request error occurred'), { original: down });
    expect(translateSlackError(down, 'chat.postMessage')).toBe(down);
    const err = translateSlackError(wrapped, 'chat.postMessage');
    expect(err.code).toBe(ErrorCode.SlackUnreachable);
    expect(err.message).toBe('cannot reach slack.com (chat.postMessage): ECONNREFUSED');
    expect(err.cause).toBe(wrapped);
  });

  it('passes the project’s own errors through untouched', () => {
    const ours = new RollbackBotError(ErrorCode.SlackApiFailed, 'already said');
    expect(translateSlackError(ours, 'chat.update')).toBe(ours);
  });

  it('falls back to the message of anything else', () => {
    expect(translateSlackError(new Error('socket hang up'), 'users.info').message).toBe(
      'Slack users.info failed: socket hang up',
    );
  });
});
