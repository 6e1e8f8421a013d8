/**
 * The Postgres store under real concurrency: several stores (each its own pool of connections, as replicas have) on
 * one schema of a real PostgreSQL server. The contract suite holds it to the same promises as SQLite; this suite adds
 * what only concurrent writers and a real server can show: migrations run once when replicas start together, the
 * lock, compare-and-set, leases and deliveries hold across connections, the timeline stays gapless, a server that
 * does not answer is a bounded error without the password, and /readyz follows the store.
 */
import { Client } from 'pg';
import pino from 'pino';
import { PostgresStore } from '../../src/adapters/postgres/postgres.store';
import { SlackPacer } from '../../src/adapters/slack/slack.pacer';
import { startBot } from '../../src/bot';
import { readEnv } from '../../src/config/env';
import { type RollbackEvent } from '../../src/domain/rollback.events';
import { transition } from '../../src/domain/rollback.transitions';
import { applyEvent } from '../../src/runbook/engine/context';
import { READY_CACHE_MS } from '../../src/replica/health';
import { BOT_TOKEN, SIGNING_SECRET } from '../support/bot-harness';
import { freePort } from '../support/docker-env';
import { FakeSlack } from '../support/fake-slack';
import { approvedEvents, draftRollback, rollbackAfter, unitConfig } from '../support/fakes';
import { SCHEMA_VERSION } from '../../src/adapters/postgres/postgres.migrations';
import { dropSchema, freshSchema, TEST_PG_URL } from '../support/postgres';

const AT = '2026-12-01T10:00:00.000Z';

describe('the Postgres store with several replicas on one schema', () => {
  let schema: string;
  let stores: PostgresStore[];

  beforeEach(async () => {
    schema = freshSchema('replicas');
    // Five replicas starting at the same moment: each applies the migrations, one at a time.
    stores = await Promise.all(
      Array.from({ length: 5 }, () => PostgresStore.connect({ url: TEST_PG_URL, schema, poolSize: 5 })),
    );
  });
  afterEach(async () => {
    await Promise.all(stores.map((s) => s.close()));
    await dropSchema(schema);
  });

  const pick = (i: number) => stores[i % stores.length];

  it('applies each migration once when replicas start together', async () => {
    const c = new Client({ connectionString: TEST_PG_URL });
    await c.connect();
    try {
      const { rows } = await c.query(`SELECT version FROM ${schema}.schema_migrations ORDER BY version`);
      // Each once, in order: 1 … this build's newest (6: alerts from Alertmanager).
      expect(SCHEMA_VERSION).toBe(6);
      expect(rows).toEqual(Array.from({ length: SCHEMA_VERSION }, (_, i) => ({ version: i + 1 })));
      const { rows: indexes } = await c.query(
        `SELECT indexname FROM pg_indexes WHERE schemaname = $1 AND indexname LIKE 'one_active_rollback%'`,
        [schema],
      );
      expect(indexes).toHaveLength(1);
    } finally {
      await c.end();
    }
  });

  it('lets one of 40 concurrent requests for an environment through, across replicas', async () => {
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) => pick(i).create(draftRollback(AT, { id: `rb-${i}` }))),
    );
    const won = results.filter((r) => r.ok);
    expect(won).toHaveLength(1);
    const winner = won[0].ok ? won[0].rollback.id : '';
    expect(results.filter((r) => !r.ok && r.active.id === winner)).toHaveLength(39);
  });

  it('writes only over the version it read, across replicas, with a gapless timeline', async () => {
    const created = await stores[0].create(draftRollback(AT));
    if (!created.ok) throw new Error('not created');
    const started = { type: 'ConfirmationStarted' as const, at: AT };
    const next = transition(created.rollback, started);
    if (!next.ok) throw new Error('rejected');
    // Twenty replicas read version 1 and write at once: one write lands.
    const saved = await Promise.all(Array.from({ length: 20 }, (_, i) => pick(i).save(1, next.state, started)));
    expect(saved.filter(Boolean)).toHaveLength(1);
    // Refusals recorded at the same time as other writes keep the timeline in one numbered line.
    await Promise.all([
      ...Array.from({ length: 10 }, (_, i) =>
        pick(i).audit('rb-1', { type: 'ApprovalRefused', at: AT, by: 'U0X', action: 'approve', why: 'no' }),
      ),
      applyEvent(pick(3), 'rb-1', { type: 'RollbackCancelled', at: AT, by: 'U0IC' }),
    ]);
    const timeline = await stores[0].timeline('rb-1');
    expect(timeline.map((e) => e.seq)).toEqual(timeline.map((_, i) => i + 1));
    expect(timeline.filter((e) => e.type === 'ApprovalRefused')).toHaveLength(10);
    expect((await stores[4].get('rb-1'))?.status).toBe('cancelled');
  });

  it('gives a lease to one replica at a time, and a Slack delivery to one', async () => {
    await stores[0].create(draftRollback(AT));
    const now = Date.now();
    const claims = await Promise.all(
      Array.from({ length: 15 }, (_, i) => pick(i).claim('rb-1', `replica-${i}#boot`, now + 30_000, now)),
    );
    expect(claims.filter(Boolean)).toHaveLength(1);
    const firsts = await Promise.all(Array.from({ length: 15 }, (_, i) => pick(i).firstDelivery('/rollback:t1', now)));
    expect(firsts.filter(Boolean)).toHaveLength(1);
  });
});

describe("Slack's update budget, shared by the replicas through Postgres", () => {
  let schema: string;
  let stores: PostgresStore[];
  beforeEach(async () => {
    schema = freshSchema('budget');
    stores = await Promise.all(
      Array.from({ length: 3 }, () => PostgresStore.connect({ url: TEST_PG_URL, schema, poolSize: 5 })),
    );
  });
  afterEach(async () => {
    await Promise.all(stores.map((s) => s.close()));
    await dropSchema(schema);
  });

  it('hands out the burst once across replicas, then tells each taker how long to wait', async () => {
    // 50 a minute, a burst of 12: 36 concurrent takes from three replicas' pools.
    const rate = 50 / 60_000;
    const answers = await Promise.all(
      Array.from({ length: 36 }, (_, i) => stores[i % 3].takeToken('chat.update', 1, rate, 12)),
    );
    expect(answers.filter((a) => a.taken)).toHaveLength(12);
    const waits = answers.flatMap((a) => (a.taken ? [] : [a.waitMs]));
    expect(Math.max(...waits)).toBeLessThanOrEqual(1200);
    expect(Math.min(...waits)).toBeGreaterThan(0);
    // A routine taker leaves the reserve: with 10 kept for urgent calls it gets nothing from a bucket of 3.
    await new Promise((r) => setTimeout(r, 3700));
    expect((await stores[0].takeToken('chat.update', 11, rate, 12)).taken).toBe(false);
    expect((await stores[1].takeToken('chat.update', 1, rate, 12)).taken).toBe(true);
  });

  it('keeps two replicas together under the workspace rate, not each under it', async () => {
    const limits = { postsPerSecond: 1, postBurst: 4, updatesPerMinute: 120, updateBurst: 4 };
    const pacers = [0, 1].map((i) => new SlackPacer(limits, { replicas: 2, shared: stores[i] }));
    const granted: number[] = [];
    const started = Date.now();
    await Promise.all(
      Array.from({ length: 12 }, (_, i) => pacers[i % 2].update(true).then(() => granted.push(Date.now() - started))),
    );
    // A burst of 4 for both together, then 2 a second: the twelfth no sooner than 4 s in.
    expect(granted.filter((t) => t < 300)).toHaveLength(4);
    expect(Math.max(...granted)).toBeGreaterThanOrEqual(3900);
  });
});

describe('a Postgres server that does not answer', () => {
  it('fails to connect within its timeout, and the message carries no password', async () => {
    const port = await freePort();
    const started = Date.now();
    let message = '';
    try {
      await PostgresStore.connect({
        url: `postgres://bot:hunter2-secret@127.0.0.1:${port}/rollback`,
        connectTimeoutMs: 1000,
      });
    } catch (err) {
      message = String((err as Error).message);
    }
    expect(message).toMatch(/ECONNREFUSED|connect/);
    expect(message).not.toContain('hunter2-secret');
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

describe('/readyz', () => {
  it('is ready while the store answers, and not once it does not; /healthz stays a liveness check', async () => {
    const slack = new FakeSlack();
    await slack.start();
    const schema = freshSchema('ready');
    const env = readEnv({
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: slack.apiUrl,
      PORT: String(await freePort()),
      ROLLBACK_DB: TEST_PG_URL,
      ROLLBACK_DB_SCHEMA: schema,
    });
    const bot = await startBot({ env, config: unitConfig(), logger: pino({ level: 'silent' }) });
    const base = `http://127.0.0.1:${bot.port}`;
    try {
      const ready = await fetch(`${base}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toEqual({ status: 'ready' });
      // The database goes away under the bot (here: its pool is closed).
      await bot.store.close();
      // /readyz reuses its answer for READY_CACHE_MS: the next check after that says the store is gone.
      await new Promise((r) => setTimeout(r, READY_CACHE_MS + 100));
      const notReady = await fetch(`${base}/readyz`);
      expect(notReady.status).toBe(503);
      expect(await notReady.json()).toEqual({ status: 'not ready', reason: 'the store does not answer' });
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
    } finally {
      await bot.stop(1000).catch(() => undefined);
      await slack.stop();
      await dropSchema(schema);
    }
  });
});

describe('the Postgres store upgraded from before rollbacks were numbered (schema 4)', () => {
  it('numbers the rollbacks it holds in the order of their request time, then in the order they are made', async () => {
    const schema = freshSchema('upgrade');
    const c = new Client({ connectionString: TEST_PG_URL });
    await c.connect();
    let store = await PostgresStore.connect({ url: TEST_PG_URL, schema, poolSize: 2 });
    try {
      await store.close();
      // Back to schema 4: no seq column; rollbacks stored out of the order they were requested in.
      await c.query(`ALTER TABLE ${schema}.rollbacks DROP COLUMN seq`);
      await c.query(`DELETE FROM ${schema}.schema_migrations WHERE version = 5`);
      const failedInStep3 = async (id: string, at: string, cleared: boolean) => {
        const events: RollbackEvent[] = [
          ...approvedEvents(at),
          { type: 'RollbackAnnounced', at, message: { channel: 'C0INCIDENT', ts: '1.1' } },
          { type: 'ExecutionFailed', at, reason: 'update paused', results: [] },
          ...(cleared ? [{ type: 'RootCauseCleared' as const, at, by: 'U0IC' }] : []),
        ];
        const r = rollbackAfter(draftRollback(at, { id }), events);
        await c.query(
          `INSERT INTO ${schema}.rollbacks (id, environment, status, version, created_at, updated_at, ended_at, state)
             VALUES ($1, 'production', $2, 1, $3, $3, $3, $4)`,
          [id, r.status, at, r],
        );
      };
      await failedInStep3('rb-late', '2026-11-26T12:00:00.000Z', false);
      await failedInStep3('rb-cleared', '2026-11-26T11:00:00.000Z', true);
      await failedInStep3('rb-early', '2026-11-26T10:00:00.000Z', false);
      store = await PostgresStore.connect({ url: TEST_PG_URL, schema, poolSize: 2 });
      expect((await store.marks('production')).map((r) => r.id)).toEqual(['rb-late']);
      // Made after the upgrade, with an earlier request time (a replica whose clock is behind): newest all the same.
      expect((await store.create(draftRollback(AT, { id: 'rb-new' }))).ok).toBe(true);
      for (const e of [
        ...approvedEvents(AT),
        { type: 'RollbackAnnounced', at: AT, message: { channel: 'C0INCIDENT', ts: '1.1' } },
      ] as RollbackEvent[])
        expect((await applyEvent(store, 'rb-new', e)).ok).toBe(true);
      expect((await store.marks('production')).map((r) => r.id)).toEqual(['rb-new', 'rb-late']);
    } finally {
      await store.close();
      await c.end();
      await dropSchema(schema);
    }
  });
});
