/**
 * Several replicas of the bot (each its own process, the compiled dist/main.js) on one real PostgreSQL, behind a
 * round-robin load balancer, rolling back real services on the swarm: every request and click may reach any replica.
 * Nothing runs twice (counted in Docker's own event log), and when the replica driving a rollback dies, another one
 * picks it up within the lease time.
 */
import { Client } from 'pg';
import { PostgresStore } from '../../src/adapters/postgres/postgres.store';
import type { Rollback } from '../../src/domain/rollback';
import { SIGNING_SECRET } from '../support/bot-harness';
import { BotProcess, buildBot } from '../support/bot-process';
import { createStack, imageUpdatesSince, removeServices, requireSwarm, runningImage } from '../support/docker-env';
import { FakeSlack } from '../support/fake-slack';
import { dropSchema, freshSchema, TEST_PG_URL } from '../support/postgres';
import { RoundRobin } from '../support/round-robin';
import * as scenario from '../support/scenario';
import { approveBody, CHANNEL, ONCALL, type Stack, stackConfig } from '../support/scenario';
import { postSigned, slashCommandBody } from '../support/slack-requests';
import { until as waitUntil } from '../support/wait';

const until = <T>(what: string, probe: () => Promise<T | undefined | null | false>) =>
  waitUntil(probe, what, 90_000, 100);

jest.setTimeout(300_000);

/** A replica's hold on a rollback lasts this long; each looks for orphans this often. */
const LEASE_MS = 5000;
const SWEEP_MS = 1000;

let main: string;
let slack: FakeSlack;
let stack: Stack;
let schema: string;
let db: PostgresStore;
let replicas: BotProcess[] = [];
let lb: RoundRobin;

beforeAll(async () => {
  await requireSwarm();
  schema = freshSchema('replicas');
  [main, stack] = await Promise.all([
    buildBot(),
    // Services that take ~4 s to stop (they ignore SIGUSR1), so a kill lands in the middle of the update.
    createStack('replicas', 'v2', ['--stop-signal', 'SIGUSR1', '--stop-grace-period', '4s']),
  ]);
  db = await PostgresStore.connect({ url: TEST_PG_URL, schema });
  slack = new FakeSlack();
  await slack.start();
  lb = new RoundRobin(() => replicas.map((r) => r.baseUrl));
  await lb.start();
});

afterAll(async () => {
  await lb.stop();
  await slack.stop();
  await db.close();
  await dropSchema(schema);
  await removeServices(stack.backend, stack.frontend);
});

afterEach(async () => {
  await Promise.all(replicas.map((r) => r.kill('SIGKILL')));
  replicas = [];
});

async function startReplicas(n: number): Promise<BotProcess[]> {
  replicas = Array.from(
    { length: n },
    (_, i) =>
      new BotProcess(main, slack, stackConfig(stack), {
        ROLLBACK_DB: TEST_PG_URL,
        ROLLBACK_DB_SCHEMA: schema,
        ROLLBACK_INSTANCE_ID: `replica-${i + 1}`,
        ROLLBACK_LEASE_MS: String(LEASE_MS),
        ROLLBACK_SWEEP_MS: String(SWEEP_MS),
        ROLLBACK_REPLICAS: String(n),
      }),
  );
  // At the same moment: the migrations take turns on their advisory lock.
  await Promise.all(replicas.map((r) => r.start()));
  return replicas;
}

const command = async (text: string) =>
  (
    await postSigned(
      `${lb.url}/slack/events`,
      slashCommandBody({ text, userId: ONCALL, channelId: CHANNEL, responseUrl: slack.newResponseUrl() }),
      { secret: SIGNING_SECRET },
    )
  ).status;

const approve = async (r: Rollback) =>
  (
    await postSigned(`${lb.url}/slack/events`, approveBody(r, slack.newResponseUrl()), {
      secret: SIGNING_SECRET,
    })
  ).status;

const statusIs = (id: string, status: Rollback['status']) =>
  until(`rollback ${id} to be ${status}`, async () => {
    const r = await db.get(id);
    return r?.status === status ? r : undefined;
  });

async function awaitingApproval(text: string): Promise<Rollback> {
  await scenario.badDeploy(stack);
  const before = (await db.list({ limit: 1 }))[0]?.id;
  expect(await command(text)).toBe(200);
  const r = await until('the new rollback', async () => {
    const latest = (await db.list({ limit: 1 }))[0];
    return latest && latest.id !== before && latest.card ? latest : undefined;
  });
  return statusIs(r.id, 'awaiting_approval');
}

/** Which replica holds the rollback's lease now (owners are `<instance>#<boot>`). */
async function driver(id: string): Promise<string | null> {
  const c = new Client({ connectionString: TEST_PG_URL, options: `-c search_path=${schema}` });
  await c.connect();
  try {
    const { rows } = await c.query<{ owner: string }>('SELECT owner FROM leases WHERE rollback_id = $1', [id]);
    return rows[0]?.owner.split('#')[0] ?? null;
  } finally {
    await c.end();
  }
}

const announcements = (text: string) =>
  slack.channelMessages(CHANNEL).filter((c) => String(c.args.text).includes(text)).length;

it('two replicas: 20 concurrent Approve clicks spread over both run the rollback once, announced once', async () => {
  await startReplicas(2);
  const r = await awaitingApproval('production two replicas');
  const since = Math.floor(Date.now() / 1000);
  const inProgress = announcements('ROLLBACK IN PROGRESS');

  const clicks = await Promise.all(Array.from({ length: 20 }, () => approve(r)));
  expect(clicks.every((s) => s === 200)).toBe(true);
  // Both replicas took clicks.
  expect([...lb.served.values()].filter((n) => n >= 5)).toHaveLength(2);
  await statusIs(r.id, 'completed');
  await until('the resolution', async () => (await db.get(r.id))?.resolution);

  expect(await imageUpdatesSince(stack.backend, since)).toBe(1);
  expect(await imageUpdatesSince(stack.frontend, since)).toBe(1);
  expect(announcements('ROLLBACK IN PROGRESS') - inProgress).toBe(1);
  expect((await db.timeline(r.id)).filter((e) => e.type === 'ApprovalGranted')).toHaveLength(1);
});

it('three replicas: the one driving the rollback is killed mid update, another resumes it without a second update', async () => {
  await startReplicas(3);
  const r = await awaitingApproval('production replica killed');
  const since = Math.floor(Date.now() / 1000);
  const inProgress = announcements('ROLLBACK IN PROGRESS');
  expect(await approve(r)).toBe(200);
  await until(
    'the update to start',
    async () =>
      (await runningImage(stack.backend)).includes(':v1') && (await runningImage(stack.frontend)).includes(':v1'),
  );
  const first = await until('a replica to drive it', () => driver(r.id));
  const victim = replicas.find((_, i) => first === `replica-${i + 1}`);
  if (!victim) throw new Error(`no replica is ${first}`);
  const killedAt = Date.now();
  await victim.kill('SIGKILL');

  const second = await until('another replica to take it over', async () => {
    const now = await driver(r.id);
    return now && now !== first ? now : undefined;
  });
  // Within the lease time, plus a sweep and the time to claim.
  expect(Date.now() - killedAt).toBeLessThan(LEASE_MS + SWEEP_MS + 4000);
  expect(second).not.toBe(first);
  await statusIs(r.id, 'completed');
  await until('the resolution', async () => (await db.get(r.id))?.resolution);
  expect(await imageUpdatesSince(stack.backend, since)).toBe(1);
  expect(await imageUpdatesSince(stack.frontend, since)).toBe(1);
  expect(announcements('ROLLBACK IN PROGRESS') - inProgress).toBe(1);
  // The thread says so; threaded lines keep to the replica's share of the channel's posts, so it may come after the
  // completion is stored.
  await until('the thread to say the rollback was resumed', async () =>
    slack.threadMessages(r.card?.ts ?? '').some((m) => m.includes('resuming from *executing*')),
  );
});

it('a rolling restart of every replica during a rollback: it completes, once', async () => {
  const started = await startReplicas(2);
  const r = await awaitingApproval('production rolling restart');
  const since = Math.floor(Date.now() / 1000);
  expect(await approve(r)).toBe(200);
  await until('the update to start', async () => (await runningImage(stack.backend)).includes(':v1'));
  // One at a time, as an orchestrator's rolling update does: stop (SIGTERM: in-flight work is left to the others),
  // start again, go on to the next.
  for (const replica of started) {
    await replica.kill('SIGTERM');
    await replica.start();
  }
  await statusIs(r.id, 'completed');
  expect(await imageUpdatesSince(stack.backend, since)).toBe(1);
  expect(await imageUpdatesSince(stack.frontend, since)).toBe(1);
});
