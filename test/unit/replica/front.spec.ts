/**
 * The front acknowledges without the work side: a delivery is answered 200 whether or not its work has started, a
 * payload answered in the ack waits (bounded) for the listener's answer, and a delivery nobody can take fails so that
 * Slack retries it. Real HTTP receiver, signed requests, a work link of the test's own. The front in Socket Mode, with
 * its real-time waits for Slack's retries, is test/integration/front.socket-mode.spec.ts.
 */
import pino from 'pino';
import { readEnv } from '../../../src/config/env';
import { createFront, type Front, type FrontState } from '../../../src/replica/front';
import { ACK_ANSWER_WAIT_MS } from '../../../src/replica/acknowledger';
import { READY_CACHE_MS } from '../../../src/replica/health';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { postSigned, slashCommandBody, viewSubmissionBody } from '../../support/slack-requests';
import { modulesLoadedBy, packageFilesLoadedBy } from '../../support/loaded-modules';
import { TestLink } from '../../support/test-link';

const SECRET = 'front-test-signing-secret';

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

it('turns Slack away (503) while the work side cannot take deliveries, and says why on /readyz', async () => {
  link.hung = 'the work process has not answered for 6 s';
  expect((await command()).status).toBe(503);
  expect(link.forwarded).toHaveLength(0);
  const ready = await fetch(`${url}/readyz`);
  expect(ready.status).toBe(503);
  expect(await ready.json()).toEqual({ status: 'not ready', reason: 'the work process has not answered for 6 s' });
  expect((await fetch(`${url}/healthz`)).status).toBe(200);
  link.hung = null;
  expect((await command()).status).toBe(200);
});

it('turns Slack away while starting or stopping, says so on /readyz, and stays alive on /healthz', async () => {
  for (const s of ['starting', 'stopping'] as const) {
    state = s;
    expect((await command()).status).toBe(503);
    // Liveness: the process answers, so it is alive; restarting it would not make it ready sooner.
    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok', state: s });
    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({ status: 'not ready', reason: s });
  }
  expect(link.forwarded).toHaveLength(0);
});

it('says on /readyz what a starting replica waits for', async () => {
  const env = readEnv({ SLACK_BOT_TOKEN: 'xoxb-front-test', SLACK_SIGNING_SECRET: SECRET, PORT: '0' });
  const starting = createFront(env, pino({ level: 'silent' }), {
    state: () => 'starting',
    startingReason: () => 'work process starting',
    link,
  });
  const base = `http://127.0.0.1:${await starting.start()}`;
  try {
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({ status: 'not ready', reason: 'work process starting' });
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  } finally {
    await starting.stop();
  }
});

it('logs where it listens and what it answers there', async () => {
  const lines: string[] = [];
  const env = readEnv({ SLACK_BOT_TOKEN: 'xoxb-front-test', SLACK_SIGNING_SECRET: SECRET, PORT: '0' });
  const logger = pino({ level: 'info' }, { write: (l: string) => lines.push(JSON.parse(l).msg as string) });
  const f = createFront(env, logger, { state: () => state, link, host: '127.0.0.1' });
  const port = await f.start();
  await f.stop();
  expect(lines).toContain(
    `listening on http://127.0.0.1:${port} — POST /slack/events, GET /healthz /readyz /metrics, /api/v1/… ` +
      '(/metrics is off: set ROLLBACK_METRICS_TOKEN)',
  );
});

it('answers a malformed %-escape in the path with 400, and never hands it on', async () => {
  const res = await fetch(`${url}/api/v1/environments/%ZZ/deploy-gate`, { signal: AbortSignal.timeout(3000) });
  expect(res.status).toBe(400);
  expect(link.apiRequests).toHaveLength(0);
});

it('asks the work side whether it is ready at most once a second, however many ask', async () => {
  let asked = 0;
  link.ready = () => {
    asked += 1;
    return Promise.resolve();
  };
  const answers = await Promise.all(Array.from({ length: 50 }, () => fetch(`${url}/readyz`)));
  expect(answers.map((r) => r.status)).toEqual(Array(50).fill(200));
  expect(asked).toBe(1);
});

it('reports ready only when the work side says it is, and says what is missing', async () => {
  expect((await fetch(`${url}/readyz`)).status).toBe(200);
  link.readyError = new Error('the Docker engine does not answer');
  await new Promise((r) => setTimeout(r, READY_CACHE_MS + 50));
  const res = await fetch(`${url}/readyz`);
  expect(res.status).toBe(503);
  expect(await res.json()).toEqual({ status: 'not ready', reason: 'the Docker engine does not answer' });
});

describe('/metrics', () => {
  const METRICS_TOKEN = 'front-test-metrics-token-5c1e8a';
  const bearer = { Authorization: `Bearer ${METRICS_TOKEN}` };
  let base: string;
  let guarded: Front;
  let collected: number;

  beforeEach(async () => {
    const own = new Registry();
    collectDefaultMetrics({ register: own, labels: { process: 'front' } });
    collected = 0;
    const work = link.metrics;
    link.metrics = () => {
      collected += 1;
      return work();
    };
    const env = readEnv({
      SLACK_BOT_TOKEN: 'xoxb-front-test',
      SLACK_SIGNING_SECRET: SECRET,
      PORT: '0',
      ROLLBACK_METRICS_TOKEN: METRICS_TOKEN,
    });
    guarded = createFront(env, pino({ level: 'silent' }), { state: () => state, link, metrics: own });
    base = `http://127.0.0.1:${await guarded.start()}`;
  });
  afterEach(() => guarded.stop());

  it("serves the work side's metrics with the front's own process metrics, in Prometheus's text format", async () => {
    const res = await fetch(`${base}/metrics`, { headers: bearer });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain; version=0.0.4');
    const text = await res.text();
    expect(text).toContain('rollback_started_total{environment="production"} 2');
    expect(text).toMatch(/^process_resident_memory_bytes\{process="front"\} \d+/m);
  });

  it('asks for the metrics token, and collects nothing for a caller without it', async () => {
    const attempts: Record<string, string>[] = [
      {},
      { Authorization: 'Bearer wrong-token' },
      { Authorization: METRICS_TOKEN },
    ];
    for (const headers of attempts) {
      const res = await fetch(`${base}/metrics`, { headers });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer realm="rollback-bot metrics"');
      expect(await res.text()).not.toContain('rollback_');
    }
    expect(collected).toBe(0);
  });

  it('is off when no metrics token is set: the environments and incidents stay private', async () => {
    const res = await fetch(`${url}/metrics`, { headers: bearer });
    expect(res.status).toBe(404);
    expect(await res.text()).toContain('ROLLBACK_METRICS_TOKEN');
    expect(collected).toBe(0);
  });

  it('answers 503 when the work side does not give its metrics', async () => {
    link.metrics = () => Promise.reject(new Error('gone'));
    const res = await fetch(`${base}/metrics`, { headers: bearer });
    expect(res.status).toBe(503);
    expect(await res.text()).toContain('the work process did not answer');
  });

  it('takes GET and HEAD only', async () => {
    const res = await fetch(`${base}/metrics`, { method: 'POST', headers: bearer });
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

describe('what the front loads', () => {
  it('loads no runbook module and no Block Kit: it is transport only', async () => {
    const loaded = await modulesLoadedBy('src/replica/front.ts');
    expect(loaded).toContain('src/replica/front.ts');
    expect(loaded.filter((m) => m.startsWith('src/runbook/'))).toEqual([]);
    expect(loaded.filter((m) => m.startsWith('src/slack/blocks/') || m.startsWith('src/adapters/'))).toEqual([]);
  });

  it('the front process loads the transport and five leaves, nothing more', async () => {
    const loaded = await modulesLoadedBy('src/replica/front-process.ts');
    expect(loaded).toContain('src/replica/ipc-link.ts');
    expect(loaded.filter((m) => !m.startsWith('src/replica/')).sort()).toEqual([
      'src/api/api.wire.ts',
      'src/domain/errors.ts',
      'src/slack/bolt-logger.ts',
      'src/slack/slack-reach.ts',
      'src/slack/token-check.ts',
    ]);
    // The work process's serving end and its life stay out of the front.
    expect(loaded).not.toContain('src/replica/ipc-serve.ts');
  });

  it("loads Bolt's HTTP receiver only (not Bolt's App, Express or the Socket Mode client), and no prom-client (memory)", async () => {
    const packages = await packageFilesLoadedBy('src/replica/front-process.ts');
    const bolt = packages.filter((m) => m.startsWith('@slack/bolt/'));
    expect(bolt).toContain('@slack/bolt/dist/receivers/HTTPReceiver.js');
    expect(bolt.filter((m) => /\/(App|index|ExpressReceiver|SocketModeReceiver)\.js$/.test(m))).toEqual([]);
    // prom-client loads on the first GET /metrics (off without ROLLBACK_METRICS_TOKEN).
    expect(packages.filter((m) => m.startsWith('prom-client/'))).toEqual([]);
  });

  it("is handed the same receivers Bolt's index exports (a Bolt upgrade that moves them fails here)", async () => {
    const bolt = await import('@slack/bolt');
    const http = await import('@slack/bolt/dist/receivers/HTTPReceiver');
    const socket = await import('@slack/bolt/dist/receivers/SocketModeReceiver');
    expect(http.default).toBe(bolt.HTTPReceiver);
    expect(socket.default).toBe(bolt.SocketModeReceiver);
  });
});
