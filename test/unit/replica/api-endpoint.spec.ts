/** /api/v1/…: carried to the work side with its token and caller, the body bounded, an absent work side a 503. */
import pino from 'pino';
import {
  ALERTS_MAX_BODY,
  ALERTS_PATH,
  API_MAX_BODY,
  type ApiRequest,
  type ApiResponse,
  GITHUB_WEBHOOK_MAX_BODY,
  GITHUB_WEBHOOK_PATH,
} from '../../../src/api/api.wire';
import { apiEndpoint } from '../../../src/replica/api-endpoint';
import type { WorkLink } from '../../../src/replica/work-link';
import { sendRaw, serveHandler, type Served } from '../../support/serve-handler';

let served: Served;
let requests: ApiRequest[];
let answer: () => Promise<ApiResponse>;
let logged: string[];
let unhandled: unknown[];
const onUnhandled = (reason: unknown) => unhandled.push(reason);

/** A work side that keeps each API request it is handed and answers with `answer()`. */
const recordingLink = (): WorkLink => ({
  forward: () => null,
  unavailable: () => null,
  ready: () => Promise.resolve(),
  metrics: () => Promise.resolve([]),
  api: (r) => {
    requests.push(r);
    return answer();
  },
});

beforeEach(async () => {
  requests = [];
  answer = async () => ({ status: 202, headers: { 'Retry-After': '1' }, body: { ok: true } });
  const link = recordingLink();
  logged = [];
  unhandled = [];
  process.on('unhandledRejection', onUnhandled);
  const handle = apiEndpoint(link, pino({ level: 'debug' }, { write: (line: string) => void logged.push(line) }));
  served = await serveHandler((req, res) => handle(req, res, '/api/v1/deploys'));
});
afterEach(async () => {
  await served.close();
  process.off('unhandledRejection', onUnhandled);
});

it('hands over a report with its body, token and caller, and writes the answer', async () => {
  const res = await fetch(`${served.url}/x`, {
    method: 'POST',
    headers: { Authorization: 'Bearer t0ken' },
    body: '{"environment":"production"}',
  });
  expect(res.status).toBe(202);
  expect(res.headers.get('retry-after')).toBe('1');
  expect(await res.json()).toEqual({ ok: true });
  expect(requests).toEqual([
    {
      method: 'POST',
      path: '/api/v1/deploys',
      authorization: 'Bearer t0ken',
      remote: expect.stringMatching(/127\.0\.0\.1/),
      body: '{"environment":"production"}',
    },
  ]);
});

it('answers HEAD without a body, and reads no body for GET', async () => {
  const head = await fetch(`${served.url}/x`, { method: 'HEAD' });
  expect(head.status).toBe(202);
  expect(await head.text()).toBe('');
  await fetch(`${served.url}/x`);
  expect(requests.map((r) => [r.method, r.body])).toEqual([
    ['HEAD', undefined],
    ['GET', undefined],
  ]);
});

it('refuses a body larger than a report, without handing anything over', async () => {
  const big = 'x'.repeat(API_MAX_BODY + 1);
  const res = await fetch(`${served.url}/x`, { method: 'POST', body: big });
  expect(res.status).toBe(413);
  expect(((await res.json()) as { error: string }).error).toBe('too_large');
  expect(requests).toEqual([]);
});

it('refuses a chunked body larger than a report as it arrives, and serves the next request', async () => {
  const chunked = await sendRaw(served.url, {
    headers: { 'Content-Type': 'application/json' },
    chunks: Array.from({ length: 8 }, () => Buffer.alloc(4 * 1024, 'a')),
  });
  expect(chunked.status).toBe(413);
  expect(JSON.parse(chunked.text)).toEqual({ error: 'too_large', message: `At most ${API_MAX_BODY} bytes.` });
  await new Promise((r) => setTimeout(r, 100));
  expect([...logged.filter((l) => (JSON.parse(l) as { level: number }).level >= 50), ...unhandled]).toEqual([]);
  expect(requests).toEqual([]);
  expect((await fetch(`${served.url}/x`, { method: 'POST', body: '{}' })).status).toBe(202);
  expect(requests.map((r) => r.body)).toEqual(['{}']);
});

it('hands nothing over when the client goes away mid-body', async () => {
  const sent = sendRaw(served.url, { chunks: [Buffer.from('{"environment":')], abort: true });
  await expect(sent).rejects.toThrow('abandoned');
  await new Promise((r) => setTimeout(r, 100));
  expect(unhandled).toEqual([]);
  expect(requests).toEqual([]);
});

it('answers 503 with Retry-After when the work side does not answer', async () => {
  answer = () => Promise.reject(new Error('gone'));
  const res = await fetch(`${served.url}/x`);
  expect(res.status).toBe(503);
  expect(res.headers.get('retry-after')).toBe('5');
  expect(((await res.json()) as { error: string }).error).toBe('unavailable');
});

describe('a GitHub webhook', () => {
  let hook: Served;
  beforeEach(async () => {
    const link = recordingLink();
    const handle = apiEndpoint(link, pino({ level: 'silent' }));
    hook = await serveHandler((req, res) => handle(req, res, GITHUB_WEBHOOK_PATH));
  });
  afterEach(() => hook.close());

  it('crosses as its exact bytes (base64) with its three GitHub headers and no others', async () => {
    const bytes = Buffer.concat([Buffer.from('{"a":"é"}'), Buffer.from([0xff, 0x00])]);
    await fetch(`${hook.url}/x`, {
      method: 'POST',
      headers: {
        'X-GitHub-Event': 'deployment_protection_rule',
        'X-GitHub-Delivery': 'd-1',
        'X-Hub-Signature-256': 'sha256=ab',
        Cookie: 'not carried',
      },
      body: bytes,
    });
    expect(requests).toHaveLength(1);
    expect(requests[0].body).toBeUndefined();
    expect(Buffer.from(requests[0].rawBody ?? '', 'base64').equals(bytes)).toBe(true);
    expect(requests[0].headers).toEqual({
      'x-github-event': 'deployment_protection_rule',
      'x-github-delivery': 'd-1',
      'x-hub-signature-256': 'sha256=ab',
    });
  });

  it('takes a payload larger than a deploy report, up to its own limit', async () => {
    const ok = await fetch(`${hook.url}/x`, { method: 'POST', body: 'x'.repeat(API_MAX_BODY * 4) });
    expect(ok.status).toBe(202);
    const big = await fetch(`${hook.url}/x`, { method: 'POST', body: 'x'.repeat(GITHUB_WEBHOOK_MAX_BODY + 1) });
    expect(big.status).toBe(413);
    expect(requests).toHaveLength(1);
  });
});

it('takes up to a MiB on Alertmanager’s path, and refuses more with 413', async () => {
  const link = recordingLink();
  const handle = apiEndpoint(link, pino({ level: 'silent' }));
  const alerts = await serveHandler((req, res) => handle(req, res, ALERTS_PATH));
  try {
    const send = (bytes: number) => fetch(`${alerts.url}/x`, { method: 'POST', body: 'x'.repeat(bytes) });
    expect((await send(ALERTS_MAX_BODY)).status).toBe(202);
    expect(requests.map((r) => [r.path, r.body?.length])).toEqual([[ALERTS_PATH, ALERTS_MAX_BODY]]);
    const over = await send(ALERTS_MAX_BODY + 1);
    expect(over.status).toBe(413);
    expect(await over.json()).toEqual({ error: 'too_large', message: `At most ${ALERTS_MAX_BODY} bytes.` });
    expect(requests).toHaveLength(1);
  } finally {
    await alerts.close();
  }
});
