/** GET /metrics: off without a token, for the token's holder only, the two processes' metrics merged. */
import pino from 'pino';
import { Counter, Registry } from 'prom-client';
import { metricsEndpoint } from '../../../src/replica/metrics-endpoint';
import type { MetricsJson, WorkLink } from '../../../src/replica/work-link';
import { serveHandler, type Served } from '../../support/serve-handler';

const TOKEN = 'metrics-endpoint-spec-token';
let served: Served | undefined;
let workMetrics: () => Promise<MetricsJson>;
let asked: number;

const link: WorkLink = {
  forward: () => null,
  unavailable: () => null,
  ready: () => Promise.resolve(),
  metrics: () => {
    asked += 1;
    return workMetrics();
  },
  api: () => Promise.reject(new Error('not used')),
};

async function serve(token: string | undefined, own?: Registry) {
  const endpoint = metricsEndpoint(token, link, own, pino({ level: 'silent' }));
  served = await serveHandler((req, res) => endpoint.handle(req, res));
  return { endpoint, url: served.url };
}

beforeEach(() => {
  asked = 0;
  workMetrics = async () => {
    const r = new Registry();
    new Counter({ name: 'rollback_started_total', help: 'started', registers: [r] }).inc(3);
    return (await r.getMetricsAsJSON()) as MetricsJson;
  };
});
afterEach(() => served?.close());

it('is off without a token, and says how to turn it on', async () => {
  const { endpoint, url } = await serve(undefined);
  expect(endpoint.on).toBe(false);
  const res = await fetch(url, { headers: { Authorization: `Bearer ${TOKEN}` } });
  expect(res.status).toBe(404);
  expect(await res.text()).toContain('set ROLLBACK_METRICS_TOKEN');
  expect(asked).toBe(0);
});

it('asks for the token and collects nothing for a caller without it', async () => {
  const { endpoint, url } = await serve(TOKEN);
  expect(endpoint.on).toBe(true);
  for (const authorization of ['', 'Bearer other', TOKEN, `Bearer ${TOKEN}x`]) {
    const res = await fetch(url, { headers: authorization ? { Authorization: authorization } : {} });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="rollback-bot metrics"');
  }
  expect(asked).toBe(0);
});

it("merges the work side's metrics with the front's own", async () => {
  const own = new Registry();
  new Counter({ name: 'front_only_total', help: 'front', registers: [own] }).inc();
  const { url } = await serve(TOKEN, own);
  const res = await fetch(url, { headers: { Authorization: `bearer ${TOKEN}` } });
  expect(res.status).toBe(200);
  const text = await res.text();
  expect(text).toContain('rollback_started_total 3');
  expect(text).toContain('front_only_total 1');
});

it('answers 503 when the work side gives no metrics', async () => {
  workMetrics = () => Promise.reject(new Error('gone'));
  const { url } = await serve(TOKEN);
  const res = await fetch(url, { headers: { Authorization: `Bearer ${TOKEN}` } });
  expect(res.status).toBe(503);
  expect(await res.text()).toBe('the work process did not answer\n');
});
