import { type ChatPostMessageArguments, ErrorCode as SlackErrorCode, type WebClient } from '@slack/web-api';
import { mapStrings, Redactor } from '../../domain/redact';
import type { MessageRef } from '../../domain/rollback';
import type { Log } from '../../ports';
import { truncate } from '../../slack/blocks/limits';
import { translateSlackError } from './slack-errors';

/** A 429 asking us to wait longer than this fails the call instead: an incident does not wait minutes for a card. */
export const MAX_RATE_LIMIT_WAIT_S = 10;
const RATE_LIMIT_ATTEMPTS = 3;

/**
 * Slack's text limits (a header 150, a button 75, a field 2000, a section 3000, a message 40,000, a confirm dialog's
 * 30/100/300): the builders fit each text under its own, and redaction can lengthen it again (`[redacted]` is longer
 * than a short secret), so a lengthened text is cut at the tightest limit its original length fitted.
 */
const TEXT_LIMITS = [24, 30, 75, 100, 150, 300, 2000, 3000, 40_000];

/**
 * The Slack error code behind one of our errors (`invalid_blocks`), if Slack gave one. Many errors have no Slack
 * cause (a renderer's own bug, a timeout): they must come out as themselves, not as a TypeError from looking.
 */
export const slackErrorOf = (err: unknown): string | undefined =>
  (err as { cause?: { data?: { error?: unknown } } } | null | undefined)?.cause?.data?.error as string | undefined;

/**
 * Whether Slack may have posted a message although the call failed: the answer was lost (a timeout, a dropped
 * connection) or was not Slack's own (an HTTP error from a proxy). Slack's own refusal and a 429 posted nothing.
 */
export const answerLost = (err: unknown): boolean => {
  const code = (err as { cause?: { code?: string } }).cause?.code ?? (err as { code?: string }).code;
  return code === SlackErrorCode.RequestError || code === SlackErrorCode.HTTPError;
};

/** A message as the builders make it: a text fallback, and blocks when it has any. */
export interface OutgoingMessage {
  text: string;
  blocks?: readonly unknown[];
}

/** What a post may carry besides its message. */
export interface PostOptions {
  thread_ts?: string;
  reply_broadcast?: boolean;
  metadata?: { event_type: string; event_payload: Record<string, string> };
}

/**
 * The few Web API calls the notifier makes, at the edge: every text redacted as it leaves (and kept within the limit
 * its builder fitted it to), a short Retry-After honoured a few times, and every error translated to our coded one.
 */
export class SlackWebApi {
  private readonly redactor: Redactor;

  constructor(
    private readonly client: WebClient,
    private readonly log: Log,
    secrets: readonly string[] | Redactor = [],
  ) {
    this.redactor = secrets instanceof Redactor ? secrets : new Redactor(secrets);
  }

  /** chat.postMessage, links not unfurled; where the message went. */
  async post(channel: string, message: OutgoingMessage, options: PostOptions = {}): Promise<MessageRef> {
    const res = await this.call('chat.postMessage', () =>
      // Slack's argument types tell threads, broadcasts and blocks apart; a message here may be any of them.
      this.client.chat.postMessage({
        channel,
        ...this.redacted(message),
        unfurl_links: false,
        ...options,
      } as ChatPostMessageArguments),
    );
    return { channel: res.channel ?? channel, ts: res.ts as string };
  }

  /** chat.update of a message the bot posted. */
  async update(ref: MessageRef, message: OutgoingMessage): Promise<void> {
    await this.call('chat.update', () =>
      this.client.chat.update({ channel: ref.channel, ts: ref.ts, ...this.redacted(message) }),
    );
  }

  /** views.publish: the Home tab of `userId`, every text redacted as it leaves. */
  async publishView(userId: string, view: Record<string, unknown>): Promise<void> {
    const clean = mapStrings(view, (t) => this.clean(t)) as Record<string, unknown>;
    await this.call('views.publish', () => this.client.views.publish({ user_id: userId, view: clean as never }));
  }

  /** chat.scheduleMessage: Slack posts `text` at `postAt`. */
  async schedule(channel: string, text: string, postAt: Date): Promise<void> {
    await this.call('chat.scheduleMessage', () =>
      this.client.chat.scheduleMessage({
        channel,
        text: this.clean(text),
        post_at: Math.floor(postAt.getTime() / 1000),
      }),
    );
  }

  /**
   * The channel's messages since `sinceMs` whose metadata is of `eventType` and names `rollbackId` (one page: a
   * bounded read of a limited window).
   */
  async marked(
    channel: string,
    rollbackId: string,
    eventType: string,
    sinceMs: number,
    match: (payload: Record<string, unknown>) => boolean = () => true,
  ): Promise<MessageRef[]> {
    const res = await this.call('conversations.history', () =>
      this.client.conversations.history({
        channel,
        oldest: String(Math.floor(sinceMs / 1000)),
        include_all_metadata: true,
        limit: 200,
      }),
    );
    return (res.messages ?? []).flatMap((m) => {
      const meta = (m as { metadata?: { event_type?: string; event_payload?: Record<string, unknown> } }).metadata;
      const ours =
        meta?.event_type === eventType && meta.event_payload?.rollback_id === rollbackId && match(meta.event_payload);
      return ours && m.ts ? [{ channel, ts: m.ts }] : [];
    });
  }

  /**
   * A message as it leaves for Slack: every text in it (fallback and blocks) with the secrets taken out (a URL with a
   * key in its query string, a token pasted into a reason). The message is built from the rollback as it is; only
   * what is sent is redacted.
   */
  private redacted(m: OutgoingMessage): { text: string; blocks?: never } {
    const text = this.clean(m.text);
    return m.blocks === undefined ? { text } : { text, blocks: mapStrings(m.blocks, (t) => this.clean(t)) as never };
  }

  /** One outgoing text, redacted, and still within the Slack limit the builder fitted it to (TEXT_LIMITS). */
  private clean(text: string): string {
    const out = this.redactor.text(text);
    if (out.length <= text.length) return out;
    const limit = TEXT_LIMITS.find((l) => l >= text.length) ?? text.length;
    return out.length <= limit ? out : truncate(out, limit);
  }

  /** One Web API call: a short Retry-After is honoured (a few times), a long one fails; errors come out coded. */
  private async call<T>(method: string, fn: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        const e = err as { code?: string; retryAfter?: number };
        const wait = e.retryAfter ?? Number.POSITIVE_INFINITY;
        if (
          e.code === 'slack_webapi_rate_limited_error' &&
          attempt < RATE_LIMIT_ATTEMPTS &&
          wait <= MAX_RATE_LIMIT_WAIT_S
        ) {
          this.log.info({ method, retryAfter: wait, attempt }, 'rate limited by Slack; waiting');
          await new Promise((r) => setTimeout(r, wait * 1000));
          continue;
        }
        throw translateSlackError(err, method);
      }
    }
  }
}
