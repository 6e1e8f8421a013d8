/**
 * Requests as Slack sends them: form-encoded, `payload=` JSON for interactions, signed with HMAC v0. Used by the
 * playground to talk to the bot exactly as Slack would, and by the tests.
 */
import { createHmac, randomUUID } from 'node:crypto';

export function sign(secret: string, timestamp: number, body: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

export interface SendOptions {
  secret: string;
  timestamp?: number;
  signature?: string;
  headers?: Record<string, string>;
}

export async function postSigned(
  url: string,
  body: string,
  opts: SendOptions,
): Promise<{ status: number; text: string; ms: number }> {
  const timestamp = opts.timestamp ?? Math.floor(Date.now() / 1000);
  const started = performance.now();
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/x-www-form-urlencoded',
      'X-Slack-Request-Timestamp': String(timestamp),
      'X-Slack-Signature': opts.signature ?? sign(opts.secret, timestamp, body),
      ...opts.headers,
    },
    body,
  });
  const text = await res.text();
  return { status: res.status, text, ms: performance.now() - started };
}

export function slashCommandBody(p: { text: string; userId: string; channelId: string; responseUrl: string }): string {
  return new URLSearchParams({
    token: 'legacy-verification-token',
    team_id: 'T0TEAM',
    team_domain: 'test',
    channel_id: p.channelId,
    channel_name: 'incident',
    user_id: p.userId,
    user_name: p.userId.toLowerCase(),
    command: '/rollback',
    text: p.text,
    api_app_id: 'A0APP',
    response_url: p.responseUrl,
    trigger_id: `trigger-${randomUUID()}`,
  }).toString();
}

export function buttonClickBody(p: {
  actionId: string;
  value: string;
  userId: string;
  channelId: string;
  messageTs: string;
  responseUrl: string;
}): string {
  const payload = {
    type: 'block_actions',
    team: { id: 'T0TEAM', domain: 'test' },
    user: { id: p.userId, username: p.userId.toLowerCase(), team_id: 'T0TEAM' },
    api_app_id: 'A0APP',
    token: 'legacy-verification-token',
    container: { type: 'message', message_ts: p.messageTs, channel_id: p.channelId, is_ephemeral: false },
    trigger_id: `trigger-${randomUUID()}`,
    channel: { id: p.channelId, name: 'incident' },
    message: { type: 'message', ts: p.messageTs, text: 'card' },
    response_url: p.responseUrl,
    actions: [
      {
        action_id: p.actionId,
        block_id: 'rollback_decision',
        value: p.value,
        type: 'button',
        action_ts: String(Date.now() / 1000),
      },
    ],
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

export function viewSubmissionBody(p: {
  userId: string;
  callbackId: string;
  privateMetadata: string;
  values: Record<string, Record<string, unknown>>;
}): string {
  const payload = {
    type: 'view_submission',
    team: { id: 'T0TEAM', domain: 'test' },
    user: { id: p.userId, username: p.userId.toLowerCase(), team_id: 'T0TEAM' },
    api_app_id: 'A0APP',
    token: 'legacy-verification-token',
    trigger_id: `trigger-${randomUUID()}`,
    view: {
      id: 'V0VIEW',
      team_id: 'T0TEAM',
      type: 'modal',
      callback_id: p.callbackId,
      private_metadata: p.privateMetadata,
      state: { values: p.values },
      hash: '1.abc',
    },
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

/** The Events API's app_home_opened, as Slack posts it: JSON, signed like the rest. */
export function homeOpenedBody(p: { userId: string; viewId: string | null }): string {
  return JSON.stringify({
    token: 'legacy-verification-token',
    team_id: 'T0TEAM',
    api_app_id: 'A0APP',
    type: 'event_callback',
    event_id: `Ev${randomUUID().replace(/-/g, '').slice(0, 10).toUpperCase()}`,
    event_time: Math.floor(Date.now() / 1000),
    event: {
      type: 'app_home_opened',
      user: p.userId,
      channel: `D${p.userId.slice(1)}`,
      tab: 'home',
      event_ts: String(Date.now() / 1000),
      ...(p.viewId ? { view: { id: p.viewId, type: 'home' } } : {}),
    },
  });
}

/** A button clicked on the app's Home tab: a block action from a view (no channel, no response URL). */
export function homeButtonBody(p: { actionId: string; value: string; userId: string; viewId: string }): string {
  const payload = {
    type: 'block_actions',
    team: { id: 'T0TEAM', domain: 'test' },
    user: { id: p.userId, username: p.userId.toLowerCase(), team_id: 'T0TEAM' },
    api_app_id: 'A0APP',
    token: 'legacy-verification-token',
    container: { type: 'view', view_id: p.viewId },
    trigger_id: `trigger-${randomUUID()}`,
    view: { id: p.viewId, type: 'home', callback_id: 'rollback_home' },
    actions: [
      {
        action_id: p.actionId,
        block_id: 'home',
        value: p.value,
        type: 'button',
        action_ts: String(Date.now() / 1000),
      },
    ],
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}
