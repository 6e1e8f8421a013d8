/**
 * The events route over HTTP: the front's own checks before Bolt's receiver (real, verifying signatures) hands a
 * delivery to the app.
 */
import type { App, ReceiverEvent } from '@slack/bolt';
import pino from 'pino';
import { FUTURE_TOLERANCE_S, httpReceiver, MAX_BODY_BYTES } from '../../../src/replica/http-receiver';
import { postSigned, slashCommandBody } from '../../support/slack-requests';
import { serveHandler, type Served } from '../../support/serve-handler';

const SECRET = 'http-receiver-spec-secret';
let served: Served;
let unavailable: string | null;
let received: ReceiverEvent[];

beforeEach(async () => {
  unavailable = null;
  received = [];
  const app = {
    processEvent: async (event: ReceiverEvent) => {
      received.push(event);
      await event.ack();
    },
  } as unknown as App;
  const events = httpReceiver(app, {
    signingSecret: SECRET,
    unavailable: () => unavailable,
    logger: pino({ level: 'silent' }),
  });
  // The route table gives the normalised path; here every request is the events route.
  served = await serveHandler((req, res) => events(req, res, '/slack/events'));
});
afterEach(() => served.close());

const body = slashCommandBody({
  text: 'help',
  userId: 'U0ONE',
  channelId: 'C0ONE',
  responseUrl: 'http://127.0.0.1:9/r',
});

it('hands a signed request to the app, whatever path it came on', async () => {
  const res = await postSigned(`${served.url}/slack/./events/`, body, { secret: SECRET });
  expect(res.status).toBe(200);
  expect(received.map((e) => (e.body as { text: string }).text)).toEqual(['help']);
});

it('refuses a bad signature (Bolt verifies it)', async () => {
  const res = await postSigned(`${served.url}/slack/events`, body, { secret: 'another-secret' });
  expect(res.status).toBe(401);
  expect(received).toEqual([]);
});

it('turns Slack away with 503 and Retry-After while the replica cannot take work', async () => {
  unavailable = 'starting';
  const res = await fetch(`${served.url}/slack/events`, { method: 'POST', body });
  expect(res.status).toBe(503);
  expect(res.headers.get('retry-after')).toBe('5');
  expect(received).toEqual([]);
});

it('refuses a timestamp from the future, though correctly signed', async () => {
  const timestamp = Math.floor(Date.now() / 1000) + FUTURE_TOLERANCE_S + 30;
  const res = await postSigned(`${served.url}/slack/events`, body, { secret: SECRET, timestamp });
  expect(res.status).toBe(401);
  expect(received).toEqual([]);
});

it('refuses a body announced larger than any Slack payload, before reading it', async () => {
  const big = 'x'.repeat(MAX_BODY_BYTES + 1);
  const res = await fetch(`${served.url}/slack/events`, { method: 'POST', body: big }).catch(() => null);
  // The connection is closed after the answer: a client still sending may see the close instead.
  expect(res?.status ?? 413).toBe(413);
  expect(received).toEqual([]);
});
