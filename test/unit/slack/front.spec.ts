/**
 * The front acknowledges without the work side: a delivery is answered 200 whether or not its work has started, a
 * payload answered in the ack waits (bounded) for the listener's answer, and a delivery nobody can take fails so that
 * Slack retries it. Real HTTP receiver, signed requests, a work link of the test's own.
 */
import pino from 'pino';
import { readEnv } from '../../../src/config/env';
import { ACK_ANSWER_WAIT_MS, createFront, type Front, type FrontState } from '../../../src/slack/front';
import type { ForwardedEvent, MetricsJson, WorkLink } from '../../../src/slack/forwarding';
import type { ApiRequest, ApiResponse } from '../../../src/api/api';
import { collectDefaultMetrics, Counter, Registry } from 'prom-client';
import { postSigned, slashCommandBody, viewSubmissionBody } from '../../support/slack-requests';

const SECRET = 'front-test-signing-secret';

class TestLink implements WorkLink {
  readonly forwarded: ForwardedEvent[] = [];
  answer: () => Promise<unknown> | null = () => new Promise(() => undefined);
  readyError: Error | null = null;
  forward(event: ForwardedEvent): Promise<unknown> | null {
    this.forwarded.push(event);
    return this.answer();
  }
  ready(): Promise<void> {
    return this.readyError ? Promise.reject(this.readyError) : Promise.resolve();
  }
  readonly apiRequests: ApiRequest[] = [];
  api: (r: ApiRequest) => Promise<ApiResponse> = async (r) => {
    this.apiRequests.push(r);
    return { status: 423, headers: { 'Retry-After': '60' }, body: { deploys: 'locked' } };
  };
  metrics: () => Promise<MetricsJson> = async () => {
    const r = new Registry();
    new Counter({ name: 'rollback_started_total', help: 'started', labelNames: ['environment'], registers: [r] }).inc(
      { environment: 'production' },
      2,
    );
    return (await r.getMetricsAsJSON()) as MetricsJson;
  };
}

let front: Front;
let url: string;
let link: TestLink;
let state: FrontState;

beforeEach(async () => {
  link = new TestLink();
  state = 'serving';
  const env = readEnv({ SLACK_BOT_TOKEN: 'xoxb-front-test', SLACK_SIGNING_SECRET: SECRET, PORT: '0' });
  front = createFront(env, pino({ level: 'silent' }), { state: () => state, link });
  url = `http://127.0.0.1:${await front.start()}`;
});
afterEach(() => front.stop());

const command = (text = 'help') =>
  postSigned(
    `${url}/slack/events`,
    slashCommandBody({ text, userId: 'U0ONE', channelId: 'C0ONE', responseUrl: 'http://127.0.0.1:9/r' }),
    { secret: SECRET },
  );
const submission = () =>
  postSigned(
    `${url}/slack/events`,
    viewSubmissionBody({ userId: 'U0ONE', callbackId: 'rollback_request', privateMetadata: '{}', values: {} }),
    { secret: SECRET },
  );

it('acknowledges a slash command at once though its work never finishes, and hands the payload over', async () => {
  const res = await command('production to v1 bad deploy');
  expect(res.status).toBe(200);
  expect(res.text).toBe('');
  expect(link.forwarded).toHaveLength(1);
  expect(link.forwarded[0].body).toMatchObject({ command: '/rollback', text: 'production to v1 bad deploy' });
});

it("answers a form submission with the listener's answer (validation errors travel in the ack)", async () => {
  const errors = { response_action: 'errors', errors: { reason: 'Say why.' } };
  link.answer = () => Promise.resolve(errors);
  const res = await submission();
  expect(res.status).toBe(200);
  expect(JSON.parse(res.text)).toEqual(errors);
});

it('acknowledges a form submission empty when the listener has not answered within the bound', async () => {
  const res = await submission();
  expect(res.status).toBe(200);
  expect(res.text).toBe('');
  expect(res.ms).toBeGreaterThanOrEqual(ACK_ANSWER_WAIT_MS - 50);
});

it('fails a delivery the work side cannot take, so that Slack retries it', async () => {
  link.answer = () => null;
  const res = await command();
  expect(res.status).toBe(500);
});

it('turns Slack away while starting or stopping, and says so on /healthz and /readyz', async () => {
  for (const s of ['starting', 'stopping'] as const) {
    state = s;
    expect((await command()).status).toBe(503);
    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(503);
    expect(await health.json()).toEqual({ status: s });
    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({ status: 'not ready', reason: s });
  }
  expect(link.forwarded).toHaveLength(0);
});

it('reports ready only when the work side says it is, and says what is missing', async () => {
  expect((await fetch(`${url}/readyz`)).status).toBe(200);
  link.readyError = new Error('the Docker engine does not answer');
  const res = await fetch(`${url}/readyz`);
  expect(res.status).toBe(503);
  expect(await res.json()).toEqual({ status: 'not ready', reason: 'the Docker engine does not answer' });
});

describe('/metrics', () => {
  it("serves the work side's metrics with the front's own process metrics, in Prometheus's text format", async () => {
    const own = new Registry();
    collectDefaultMetrics({ register: own, labels: { process: 'front' } });
    const env = readEnv({ SLACK_BOT_TOKEN: 'xoxb-front-test', SLACK_SIGNING_SECRET: SECRET, PORT: '0' });
    const withOwn = createFront(env, pino({ level: 'silent' }), { state: () => state, link, metrics: own });
    const base = `http://127.0.0.1:${await withOwn.start()}`;
    try {
      const res = await fetch(`${base}/metrics`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/plain; version=0.0.4');
      const text = await res.text();
      expect(text).toContain('rollback_started_total{environment="production"} 2');
      expect(text).toMatch(/^process_resident_memory_bytes\{process="front"\} \d+/m);
    } finally {
      await withOwn.stop();
    }
  });

  it('answers 503 when the work side does not give its metrics', async () => {
    link.metrics = () => Promise.reject(new Error('gone'));
    const res = await fetch(`${url}/metrics`);
    expect(res.status).toBe(503);
    expect(await res.text()).toContain('the work process did not answer');
  });

  it('takes GET and HEAD only', async () => {
    const res = await fetch(`${url}/metrics`, { method: 'POST' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, HEAD');
  });
});

describe('/api/v1/', () => {
  it('hands the request (normalised path, its token, the caller) to the work side and writes its answer', async () => {
    const res = await fetch(`${url}/api/v1//environments/production/./deploy-gate?x=1`, {
      headers: { Authorization: 'Bearer abc' },
    });
    expect(res.status).toBe(423);
    expect(res.headers.get('retry-after')).toBe('60');
    expect(await res.json()).toEqual({ deploys: 'locked' });
    expect(link.apiRequests).toEqual([
      {
        method: 'GET',
        path: '/api/v1/environments/production/deploy-gate',
        authorization: 'Bearer abc',
        remote: expect.stringMatching(/127\.0\.0\.1/),
      },
    ]);
  });

  it('answers 503 when the work side cannot answer', async () => {
    link.api = () => Promise.reject(new Error('gone'));
    const res = await fetch(`${url}/api/v1/environments/production/deploy-gate`);
    expect(res.status).toBe(503);
    expect(((await res.json()) as { error: string }).error).toBe('unavailable');
  });
});
