/**
 * The decision criteria (Step 1's and the close watch's Prometheus queries) against a REAL Prometheus (Debian's
 * `prometheus`, installed by scripts/setup-alerting.sh), the form users run: it scrapes a tiny exporter of the test's
 * own every second, and the queries are the ones the README suggests (rates of counters, a histogram quantile, a
 * ratio of gauges). One app misbehaves, one does not; a query with no data and a malformed one are "unknown", never
 * healthy.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { MemoryRollbackStore } from '../../src/adapters/memory/memory.rollback-store';
import { PrometheusMetricsSource } from '../../src/adapters/prometheus/prometheus.metrics-source';
import { configSchema } from '../../src/config/config.schema';
import { evaluateEnvironment } from '../../src/runbook/reports/evidence';
import { freePort } from '../support/docker-env';
import { until } from '../support/wait';

const PROMETHEUS_BIN = '/usr/bin/prometheus';

/** Per scrape: requests by status, request durations by bucket, memory. `bad` is the app after a bad deploy. */
const APPS = {
  bad: { ok: 88, errors: 12, bucket: 1, memory: 0.95 },
  good: { ok: 99, errors: 1, bucket: 0.1, memory: 0.42 },
} as const;
const BUCKETS = [0.1, 0.25, 0.5, 1, 2.5];

let exporter: Server;
let prometheus: ChildProcess;
let dir: string;
let url: string;
let scrapes = 0;

/** The exporter's page after `n` scrapes: counters grow by the same amount each time. */
function page(n: number): string {
  const lines: string[] = [
    '# TYPE http_requests_total counter',
    '# TYPE http_request_duration_seconds histogram',
    '# TYPE app_memory_used_bytes gauge',
    '# TYPE app_memory_limit_bytes gauge',
  ];
  for (const [app, a] of Object.entries(APPS)) {
    lines.push(`http_requests_total{app="${app}",code="200"} ${a.ok * n}`);
    lines.push(`http_requests_total{app="${app}",code="500"} ${a.errors * n}`);
    const count = (a.ok + a.errors) * n;
    for (const le of BUCKETS)
      lines.push(`http_request_duration_seconds_bucket{app="${app}",le="${le}"} ${le >= a.bucket ? count : 0}`);
    lines.push(`http_request_duration_seconds_bucket{app="${app}",le="+Inf"} ${count}`);
    lines.push(`http_request_duration_seconds_count{app="${app}"} ${count}`);
    lines.push(`app_memory_used_bytes{app="${app}"} ${a.memory * 1e9}`);
    lines.push(`app_memory_limit_bytes{app="${app}"} 1e9`);
  }
  return `${lines.join('\n')}\n`;
}

beforeAll(async () => {
  if (!existsSync(PROMETHEUS_BIN))
    throw new Error(`${PROMETHEUS_BIN} is missing: run \`sudo bash scripts/setup-alerting.sh\``);
  exporter = createServer((req, res) => {
    if (req.url !== '/metrics') return void res.writeHead(404).end();
    res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4' }).end(page(++scrapes));
  });
  await new Promise<void>((r) => exporter.listen(0, '127.0.0.1', r));
  dir = mkdtempSync(join(tmpdir(), 'prometheus-'));
  const port = await freePort();
  writeFileSync(
    join(dir, 'prometheus.yml'),
    stringify({
      global: { scrape_interval: '1s', evaluation_interval: '1s' },
      scrape_configs: [
        {
          job_name: 'app',
          static_configs: [{ targets: [`127.0.0.1:${(exporter.address() as AddressInfo).port}`] }],
        },
      ],
    }),
  );
  url = `http://127.0.0.1:${port}`;
  prometheus = spawn(
    PROMETHEUS_BIN,
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: 'ignore' },
  );
  // Data for a rate needs two scrapes inside its window.
  const source = new PrometheusMetricsSource(url, 1000);
  await until(
    async () => 'value' in (await source.query(QUERIES('good').error_rate)),
    'Prometheus to have two scrapes of the exporter',
    20_000,
    200,
  );
}, 30_000);

afterAll(async () => {
  if (prometheus && prometheus.exitCode === null) {
    const exited = new Promise((r) => prometheus.once('exit', r));
    prometheus.kill('SIGTERM');
    await exited;
  }
  await new Promise((r) => exporter?.close(r));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The queries the README suggests, for one app. */
const QUERIES = (app: string) => ({
  error_rate: `sum(rate(http_requests_total{app="${app}",code=~"5.."}[5s])) / sum(rate(http_requests_total{app="${app}"}[5s]))`,
  p99_latency: `histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{app="${app}"}[5s])))`,
  memory: `max(app_memory_used_bytes{app="${app}"} / app_memory_limit_bytes{app="${app}"})`,
});

const evaluate = (app: string, queries: Record<string, string> = QUERIES(app)) => {
  const config = configSchema.parse({
    roles: { incident_commanders: { users: ['U0IC'] } },
    environments: {
      [app]: {
        channel: 'C0INCIDENT',
        strategy: 'docker',
        health: { url: 'http://health.invalid/health' },
        services: [{ name: 'backend', docker_service: 'backend', image: 'registry/app' }],
        criteria: { prometheus: { url, timeout_ms: 2000, baseline_p99_seconds: 0.2, ...queries } },
      },
    },
  });
  const env = config.environments[app];
  const prom = env.criteria.prometheus;
  const source = new PrometheusMetricsSource(prom?.url ?? '', prom?.timeout_ms ?? 0);
  return evaluateEnvironment(
    { reports: new MemoryRollbackStore(), clock: { now: () => new Date() }, metricsFor: () => source },
    app,
    env,
    { value: 0 },
  );
};

const table = (rows: Array<{ signal: string; observed: string; verdict: string }>) =>
  Object.fromEntries(rows.map((r) => [r.signal, `${r.verdict}: ${r.observed}`]));

it('after a bad deploy: the error rate, p99 latency and memory are met — an immediate rollback', async () => {
  const e = await evaluate('bad');
  expect(e.overall).toBe('immediate');
  expect(table(e.rows)).toEqual({
    error_rate: 'met: 12 %',
    // Every request in the (0.5 s, 1 s] bucket: Prometheus interpolates the 99th percentile near its top.
    p99_latency: expect.stringMatching(/^met: 99\d ms \(5\.0×\)$/),
    health_failures: 'not_met: 0 consecutive',
    memory: 'met: 95 %',
    user_reports: 'not_met: 0 unique',
  });
});

it('a healthy app meets none', async () => {
  const e = await evaluate('good');
  expect(e.overall).toBe('none');
  expect(table(e.rows)).toEqual({
    error_rate: 'not_met: 1.0 %',
    p99_latency: 'not_met: 99 ms (0.5×)',
    health_failures: 'not_met: 0 consecutive',
    memory: 'not_met: 42 %',
    user_reports: 'not_met: 0 unique',
  });
});

it('a query with no data, or one Prometheus cannot parse, is unknown, never healthy', async () => {
  const e = await evaluate('good', {
    error_rate: 'sum(rate(http_requests_total{app="nobody"}[5s]))',
    memory: 'max(app_memory_used_bytes{app="good"} /',
  });
  const rows = table(e.rows);
  expect(rows.error_rate).toBe('unknown: unknown (Prometheus: no data)');
  expect(rows.memory).toMatch(/^unknown: unknown \(Prometheus: .*parse error/);
});
