/**
 * GET /metrics on the compiled bot (front and work process) during a real rollback on the test swarm: the values an
 * SRE alerts on move as the rollback does (started, awaiting approval and its age, each step's duration, finished by
 * outcome, Slack calls by method, Docker and health-probe latency), both processes report their own process metrics,
 * and /readyz answers 200 only while the Docker engine answers too.
 */
import { SqliteRollbackStore } from '../../src/adapters/sqlite/sqlite.rollback-store';
import { BotProcess, buildBot } from '../support/bot-process';
import { createStack, removeServices, requireSwarm } from '../support/docker-env';
import { FakeSlack } from '../support/fake-slack';
import { ACTION } from '../../src/slack/ids';
import { badDeploy, CHANNEL, IC, ONCALL, type Stack, stackConfig } from '../support/scenario';
import { until } from '../support/wait';

jest.setTimeout(180_000);

let main: string;
let slack: FakeSlack;
let stack: Stack;
let bot: BotProcess;
/** /metrics is off without a token; Prometheus sends this one (its scrape config's `authorization`). */
const METRICS_TOKEN = 'metrics-e2e-scrape-token-4a7c19';

beforeAll(async () => {
  await requireSwarm();
  [main, stack] = await Promise.all([buildBot(), createStack('metrics', 'v2')]);
  slack = new FakeSlack();
  await slack.start();
});
afterAll(async () => {
  await bot?.kill('SIGKILL');
  await slack.stop();
  await removeServices(stack.backend, stack.frontend);
});

/** Every sample of a scrape: `name{labels}` → value. */
async function scrape(): Promise<Map<string, number>> {
  const res = await fetch(`${bot.baseUrl}/metrics`, { headers: { Authorization: `Bearer ${METRICS_TOKEN}` } });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/plain');
  const samples = new Map<string, number>();
  for (const line of (await res.text()).split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    samples.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return samples;
}

/** The sum of the samples of `name` whose labels include every one of `labels`. */
const sum = (m: Map<string, number>, name: string, labels: Record<string, string> = {}) =>
  [...m]
    .filter(
      ([k]) =>
        (k === name || k.startsWith(`${name}{`)) && Object.entries(labels).every(([l, v]) => k.includes(`${l}="${v}"`)),
    )
    .reduce((total, [, v]) => total + v, 0);

it('the metrics move with a rollback, from the request to the completion', async () => {
  bot = new BotProcess(main, slack, stackConfig(stack), { LOG_LEVEL: 'info', ROLLBACK_METRICS_TOKEN: METRICS_TOKEN });
  await bot.start();
  const db = new SqliteRollbackStore(bot.dbFile);
  try {
    const prod = { environment: 'production' };
    const before = await scrape();
    expect(sum(before, 'rollback_started_total', prod)).toBe(0);
    expect(sum(before, 'rollback_step_budget_seconds', { ...prod, step: 'execute' })).toBe(300);
    // Both processes' own metrics.
    expect(sum(before, 'process_resident_memory_bytes', { process: 'front' })).toBeGreaterThan(0);
    expect(sum(before, 'process_resident_memory_bytes', { process: 'work' })).toBeGreaterThan(0);

    await badDeploy(stack);
    expect(await bot.command('production metrics scrape', ONCALL, CHANNEL)).toBe(200);
    const r = await until(
      () => {
        const latest = db.list({ limit: 1 })[0];
        return latest?.status === 'awaiting_approval' && latest.card ? latest : undefined;
      },
      'the rollback to await approval',
      60_000,
    );
    await new Promise((res) => setTimeout(res, 1100));
    const waiting = await scrape();
    expect(sum(waiting, 'rollback_started_total', { ...prod, strategy: 'docker', dry_run: 'false' })).toBe(1);
    expect(sum(waiting, 'rollback_awaiting_approval', prod)).toBe(1);
    expect(sum(waiting, 'rollback_awaiting_approval_oldest_seconds', prod)).toBeGreaterThanOrEqual(1);
    expect(sum(waiting, 'rollback_step_duration_seconds_count', { ...prod, step: 'confirm', outcome: 'done' })).toBe(1);
    expect(sum(waiting, 'rollback_slack_api_calls_total', { method: 'chat.postMessage' })).toBeGreaterThanOrEqual(1);
    expect(
      sum(waiting, 'rollback_call_duration_seconds_count', { system: 'docker', operation: 'inspectService' }),
    ).toBeGreaterThanOrEqual(2);
    expect(
      sum(waiting, 'rollback_call_duration_seconds_count', { system: 'health', operation: 'probe' }),
    ).toBeGreaterThanOrEqual(1);

    expect(await bot.click(ACTION.approve, r.id, IC, CHANNEL, r.card?.ts ?? '')).toBe(200);
    await until(() => db.get(r.id)?.status === 'completed', 'the rollback to complete', 120_000);
    const done = await until(
      async () => {
        const m = await scrape();
        return sum(m, 'rollback_finished_total', { ...prod, outcome: 'completed' }) === 1 ? m : undefined;
      },
      'the completion in the metrics',
      10_000,
    );
    expect(sum(done, 'rollback_awaiting_approval', prod)).toBe(0);
    expect(sum(done, 'rollback_awaiting_approval_oldest_seconds', prod)).toBe(0);
    for (const step of ['announce', 'execute', 'verify'])
      expect(sum(done, 'rollback_step_duration_seconds_count', { ...prod, step, outcome: 'done' })).toBe(1);
    expect(
      sum(done, 'rollback_call_duration_seconds_count', {
        system: 'docker',
        operation: 'rollServiceTo',
        outcome: 'ok',
      }),
    ).toBe(2);
    expect(sum(done, 'rollback_slack_api_calls_total', { method: 'chat.update' })).toBeGreaterThan(
      sum(waiting, 'rollback_slack_api_calls_total', { method: 'chat.update' }),
    );
    expect(sum(done, 'rollback_finished_total', { outcome: 'failed' })).toBe(0);
  } finally {
    db.close();
  }
  const ready = await fetch(`${bot.baseUrl}/readyz`);
  expect(ready.status).toBe(200);
});

it('/readyz answers 503 naming the Docker engine when it does not answer', async () => {
  await bot?.kill('SIGKILL');
  bot = new BotProcess(main, slack, stackConfig(stack), { DOCKER_HOST: 'unix:///nonexistent/docker.sock' });
  await bot.start();
  expect((await fetch(`${bot.baseUrl}/healthz`)).status).toBe(200);
  const res = await fetch(`${bot.baseUrl}/readyz`);
  expect(res.status).toBe(503);
  expect(await res.json()).toEqual({ status: 'not ready', reason: 'the Docker engine does not answer' });
});
