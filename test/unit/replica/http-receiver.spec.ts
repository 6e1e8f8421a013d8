/**
 * The events route over HTTP: the front's own checks before Bolt's receiver (real, verifying signatures) hands a
 * delivery to the app.
 */
import type { App, ReceiverEvent } from '@slack/bolt';
import pino from 'pino';
import { FUTURE_TOLERANCE_S, httpReceiver, MAX_BODY_BYTES } from '../../../src/replica/http-receiver';
import { postSigned, slashCommandBody } from '../../support/slack-requests';
import { sendRaw, serveHandler, type Served } from '../../support/serve-handler';
import { until } from '../../support/wait';

const SECRET = 'http-receiver-spec-secret';
let served: Served;
let unavailable: string | null;
let received: ReceiverEvent[];
/** What the receiver (and Bolt, through it) logged, one JSON line each. */
let logged: string[];
/** Requests the server has seen closed (answered, or gone). */
let closed: number;
let unhandled: unknown[];
const onUnhandled = (reason: unknown) => unhandled.push(reason);

beforeEach(async () => {
  unavailable = null;
  received = [];
  logged = [];
  closed = 0;
  unhandled = [];
  process.on('unhandledRejection', onUnhandled);
  const app = {
    processEvent: async (event: ReceiverEvent) => {
      received.push(event);
      await event.ack();
    },
  } as unknown as App;
  const events = httpReceiver(app, {
    signingSecret: SECRET,
    unavailable: () => unavailable,
    logger: pino({ level: 'debug' }, { write: (line: string) => void logged.push(line) }),
  });
  // The route table gives the normalised path; here every request is the events route.
  served = await serveHandler((req, res) => {
    req.once('close', () => (closed += 1));
    events(req, res, '/slack/events');
  });
});
afterEach(async () => {
  await served.close();
  process.off('unhandledRejection', onUnhandled);
});

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

describe('a body over 1 MiB that does not say its size', () => {
  const refused = 'Refused: the request body is over 1 MiB; Slack sends far less.\n';
  const form = { 'Content-Type': 'application/x-www-form-urlencoded' };
  const chunks = (n: number) => Array.from({ length: n }, () => Buffer.alloc(64 * 1024, 'a'));
  /** Errors logged, and rejections nobody handled: a receiver that answered twice shows up in one or the other. */
  const troubles = () => [
    ...logged.filter((l) => (JSON.parse(l) as { level: number }).level >= 50 || /headers after they are sent/i.test(l)),
    ...unhandled.map(String),
  ];

  it('is refused with 413 like an announced one (read no further), Bolt never sees it, and the next request is served', async () => {
    const announced = await sendRaw(served.url, {
      headers: { ...form, 'Content-Length': String(2 * MAX_BODY_BYTES) },
      chunks: [Buffer.alloc(1000, 'a')],
    });
    const chunked = await sendRaw(served.url, { headers: form, chunks: chunks(40) });
    expect(announced).toEqual({ status: 413, text: refused });
    expect(chunked).toEqual({ status: 413, text: refused });
    // Bolt's own answer to a request cut short would come a tick after the cut: give it the time to show.
    await new Promise((r) => setTimeout(r, 100));
    expect(troubles()).toEqual([]);
    expect(received).toEqual([]);

    const next = await postSigned(`${served.url}/slack/events`, body, { secret: SECRET });
    expect(next.status).toBe(200);
    expect(received.map((e) => (e.body as { text: string }).text)).toEqual(['help']);
  });

  it('costs nothing when the client goes away half way', async () => {
    await expect(sendRaw(served.url, { headers: form, chunks: chunks(4), abort: true })).rejects.toThrow('abandoned');
    await until(() => closed === 1, 'the server to see the request closed', 5_000);
    await new Promise((r) => setTimeout(r, 100));
    expect(logged.filter((l) => l.includes('broken off mid-body'))).toHaveLength(1);
    expect(troubles()).toEqual([]);
    expect(received).toEqual([]);
    expect((await postSigned(`${served.url}/slack/events`, body, { secret: SECRET })).status).toBe(200);
  });
});
