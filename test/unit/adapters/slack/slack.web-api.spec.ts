/** The Web API client at the edge: what leaves is redacted, short 429s are waited out, errors come out coded. */
import type { WebClient } from '@slack/web-api';
import { SlackWebApi } from '../../../../src/adapters/slack/slack.web-api';
import { ErrorCode } from '../../../../src/domain/errors';
import { quietLog } from '../../../support/fakes';

const SECRET = 'sk-live-0123456789abcdefSECRET';
const rateLimited = (retryAfter: number) =>
  Object.assign(new Error('rate limited'), { code: 'slack_webapi_rate_limited_error', retryAfter });

function clientThat(postMessage: (args: Record<string, unknown>) => Promise<unknown>, history: unknown[] = []) {
  const sent: Array<Record<string, unknown>> = [];
  const client = {
    chat: {
      postMessage: async (args: Record<string, unknown>) => {
        sent.push(args);
        return postMessage(args);
      },
    },
    conversations: { history: async () => ({ ok: true, messages: history }) },
  } as unknown as WebClient;
  return { client, sent };
}

const answered = async () => ({ ok: true, channel: 'C0INCIDENT', ts: '1.1' });

it('redacts the text and every block text as it leaves, and sends no blocks for a text message', async () => {
  const { client, sent } = clientThat(answered);
  const api = new SlackWebApi(client, quietLog, [SECRET]);
  const block = { type: 'section', text: { type: 'mrkdwn', text: `token ${SECRET}` } };
  expect(await api.post('C0INCIDENT', { text: `see ${SECRET}`, blocks: [block] })).toEqual({
    channel: 'C0INCIDENT',
    ts: '1.1',
  });
  await api.post('C0INCIDENT', { text: 'plain' }, { thread_ts: '1.0', reply_broadcast: false });
  expect(JSON.stringify(sent)).not.toContain(SECRET);
  expect(sent[0]).toMatchObject({ text: 'see [redacted]', unfurl_links: false });
  expect(JSON.stringify(sent[0].blocks)).toContain('token [redacted]');
  expect(sent[1]).toEqual({
    channel: 'C0INCIDENT',
    text: 'plain',
    unfurl_links: false,
    thread_ts: '1.0',
    reply_broadcast: false,
  });
});

it('waits out a short Retry-After, a few times, then answers', async () => {
  let calls = 0;
  const { client } = clientThat(async () => {
    calls++;
    if (calls < 3) throw rateLimited(0);
    return answered();
  });
  await expect(new SlackWebApi(client, quietLog).post('C0INCIDENT', { text: 'hi' })).resolves.toEqual({
    channel: 'C0INCIDENT',
    ts: '1.1',
  });
  expect(calls).toBe(3);
});

it('fails at once, coded, when Slack asks for a long wait or keeps refusing', async () => {
  const long = clientThat(async () => Promise.reject(rateLimited(60)));
  await expect(new SlackWebApi(long.client, quietLog).post('C0INCIDENT', { text: 'hi' })).rejects.toMatchObject({
    code: ErrorCode.SlackApiFailed,
    message: expect.stringContaining('rate limiting chat.postMessage'),
  });
  expect(long.sent).toHaveLength(1);
  const again = clientThat(async () => Promise.reject(rateLimited(0)));
  await expect(new SlackWebApi(again.client, quietLog).post('C0INCIDENT', { text: 'hi' })).rejects.toMatchObject({
    code: ErrorCode.SlackApiFailed,
  });
  expect(again.sent).toHaveLength(3);
  const refused = clientThat(async () =>
    Promise.reject(
      Object.assign(new Error('refused'), { code: 'slack_webapi_platform_error', data: { error: 'not_in_channel' } }),
    ),
  );
  await expect(new SlackWebApi(refused.client, quietLog).post('C0INCIDENT', { text: 'hi' })).rejects.toThrow(
    /chat\.postMessage failed: not_in_channel \(invite the bot/,
  );
});

it('finds the messages marked with a rollback’s metadata, and only those', async () => {
  const meta = (event_type: string, rollback_id: string, step?: string) => ({
    metadata: { event_type, event_payload: { rollback_id, ...(step ? { step } : {}) } },
  });
  const { client } = clientThat(answered, [
    { ts: '1.1', ...meta('rollback_card', 'rb-1') },
    { ts: '1.2', ...meta('rollback_card', 'rb-2') },
    { ts: '1.3', ...meta('rollback_announcement', 'rb-1', 'announce') },
    { ts: '1.4', ...meta('rollback_announcement', 'rb-1', 'complete') },
    { ts: '1.5', text: 'no metadata' },
  ]);
  const api = new SlackWebApi(client, quietLog);
  expect(await api.marked('C0INCIDENT', 'rb-1', 'rollback_card', 0)).toEqual([{ channel: 'C0INCIDENT', ts: '1.1' }]);
  expect(await api.marked('C0INCIDENT', 'rb-1', 'rollback_announcement', 0, (p) => p.step === 'complete')).toEqual([
    { channel: 'C0INCIDENT', ts: '1.4' },
  ]);
});
