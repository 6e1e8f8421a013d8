/**
 * The database restarts in the middle of a rollback: the bot (real Bolt HTTP receiver, a Postgres server of the test's
 * own, the simulated swarm whose update takes 3 s) is rolling back when Postgres is stopped, and started again a few
 * seconds later. The step's result waits for the database (bounded retries) and is stored once it answers; the
 * rollback completes, production changed once per service, and /readyz says "not ready" while the database is away.
 */
import pino from 'pino';
import { PostgresStore } from '../../src/adapters/postgres/postgres.store';
import { startBot, type RunningBot } from '../../src/bot';
import { readEnv } from '../../src/config/env';
import type { Rollback } from '../../src/domain/rollback';
import { BOT_TOKEN, SIGNING_SECRET, UNPACED } from '../support/bot-harness';
import { freePort } from '../support/docker-env';
import { FakeSlack } from '../support/fake-slack';
import { privateCluster } from '../support/postgres';
import { approveBody, CHANNEL, ONCALL } from '../support/scenario';
import { type Sim, simConfig, startSim } from '../support/sim-env';
import { postSigned, slashCommandBody } from '../support/slack-requests';
import { until } from '../support/wait';

jest.setTimeout(120_000);

let cluster: Awaited<ReturnType<typeof privateCluster>>;
let sim: Sim;
let slack: FakeSlack;
let bot: RunningBot;
let reader: PostgresStore;

beforeAll(async () => {
  [cluster, sim] = await Promise.all([privateCluster(), startSim(3000)]);
  slack = new FakeSlack();
  await slack.start();
  const env = readEnv({
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: slack.apiUrl,
    PORT: String(await freePort()),
    ROLLBACK_DB: cluster.url,
  });
  bot = await startBot({
    env,
    config: simConfig(sim),
    logger: pino({ level: 'silent' }),
    runtime: sim.target,
    slackLimits: UNPACED,
  });
  reader = await PostgresStore.connect({ url: cluster.url, connectTimeoutMs: 1000 });
});

afterAll(async () => {
  await bot?.stop(2000).catch(() => undefined);
  await reader?.close().catch(() => undefined);
  await slack?.stop();
  await sim?.close();
  await cluster?.destroy();
});

const base = () => `http://127.0.0.1:${bot.port}`;
/** The stored rollback, or undefined while the database does not answer. */
const read = async (id: string): Promise<Rollback | undefined> => (await reader.get(id).catch(() => null)) ?? undefined;

it('stores the step once the database is back, and completes the rollback with one change per service', async () => {
  const command = slashCommandBody({
    text: 'production errors',
    userId: ONCALL,
    channelId: CHANNEL,
    responseUrl: slack.newResponseUrl(),
  });
  expect((await postSigned(`${base()}/slack/events`, command, { secret: SIGNING_SECRET })).status).toBe(200);
  const requested = await until(async () => (await reader.list({ limit: 1 }))[0], 'the rollback');
  const r = await until(async () => {
    const now = await read(requested.id);
    return now?.status === 'awaiting_approval' ? now : undefined;
  }, 'the approval prompt');
  const approve = approveBody(r, slack.newResponseUrl());
  expect((await postSigned(`${base()}/slack/events`, approve, { secret: SIGNING_SECRET })).status).toBe(200);
  // Step 3 has started on the simulated swarm (each service's update takes 3 s): the database goes away now.
  await until(() => sim.target.updates.length > 0, 'the update to start');
  await cluster.stop();
  expect((await fetch(`${base()}/readyz`)).status).toBe(503);
  expect((await fetch(`${base()}/healthz`)).status).toBe(200);
  // Long enough for Step 3 to finish while the database is away, short of the runner's patience (about 15 s).
  await new Promise((resolve) => setTimeout(resolve, 7000));
  await cluster.start();
  const back = Date.now();

  const done = await until(
    async () => {
      const now = await read(r.id);
      return now?.status === 'completed' && now.resolution ? now : undefined;
    },
    'the rollback to complete',
    60_000,
  );
  // Picked up by the retries, not by another replica after the lease expired (30 s).
  expect(Date.now() - back).toBeLessThan(15_000);
  expect(done.results?.every((x) => x.outcome === 'rolled_back')).toBe(true);
  expect(sim.target.changes).toEqual([
    { service: 'demo-backend', version: 'v1' },
    { service: 'demo-frontend', version: 'v1' },
  ]);
  const timeline = await reader.timeline(r.id);
  expect(timeline.filter((e) => e.type === 'ServicesRolledBack')).toHaveLength(1);
  expect(timeline.filter((e) => e.type === 'RollbackAnnounced')).toHaveLength(1);
  expect((await fetch(`${base()}/readyz`)).status).toBe(200);
});
