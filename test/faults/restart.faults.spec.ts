/**
 * Restart safety: the bot (its own process) killed with SIGKILL during Step 1, while waiting for approval, in the
 * middle of the Docker update and during verification, then started again on the same SQLite file. Every rollback
 * reaches a state a person can see, nothing runs twice (counted in Docker's own event log), and the thread says
 * the bot picked the rollback up (once the killed boot's lease has expired: a restart is not known to be the only
 * live boot of its instance). SIGTERM finishes or persists what is in flight and exits within 10 s.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SqliteRollbackStore } from '../../src/adapters/sqlite/sqlite.rollback-store';
import type { Rollback } from '../../src/domain/rollback';
import { ACTION } from '../../src/slack/ids';
import { BotProcess, buildBot } from '../support/bot-process';
import {
  BACKEND_IMAGE,
  createStack,
  imageUpdatesSince,
  removeServices,
  requireSwarm,
  runningImage,
  updateImage,
} from '../support/docker-env';
import { FakeSlack } from '../support/fake-slack';
import * as scenario from '../support/scenario';
import { CHANNEL, IC, ONCALL, type Stack, stackConfig } from '../support/scenario';

jest.setTimeout(240_000);

let main: string;
let slack: FakeSlack;
let stack: Stack;
let health: Server;
let healthDelayMs = 0;
let healthUrl: string;

beforeAll(async () => {
  await requireSwarm();
  [main, stack] = await Promise.all([
    buildBot(),
    // Services that take ~4 s to stop (they ignore SIGUSR1), so a kill lands in the middle of the update.
    createStack('restart', 'v2', ['--stop-signal', 'SIGUSR1', '--stop-grace-period', '4s']),
  ]);
  slack = new FakeSlack();
  await slack.start();
  // The backend's /health, slowed down on demand so a kill lands during Step 1 or Step 4.
  health = createServer((_req, res) => {
    setTimeout(() => {
      fetch(`http://127.0.0.1:${stack.backendPort}/health`).then(
        async (r) => res.writeHead(r.status, { 'Content-Type': 'application/json' }).end(await r.text()),
        () => res.writeHead(502).end(),
      );
    }, healthDelayMs);
  });
  await new Promise<void>((r) => health.listen(0, '127.0.0.1', r));
  healthUrl = `http://127.0.0.1:${(health.address() as AddressInfo).port}/health`;
});

afterAll(async () => {
  health.closeAllConnections();
  await new Promise((r) => health.close(r));
  await slack.stop();
  await removeServices(stack.backend, stack.frontend);
});

let bot: BotProcess | undefined;
afterEach(async () => {
  if (bot) await bot.kill('SIGKILL');
  bot = undefined;
  healthDelayMs = 0;
});

const badDeploy = () => scenario.badDeploy(stack);

/** After a bad deploy, a fresh bot with a rollback waiting for approval. */
async function awaitingApproval(text: string): Promise<{ b: BotProcess; r: Rollback }> {
  await badDeploy();
  const b = await freshBot();
  const r = await requested(b, text);
  await statusIs(b, r.id, 'awaiting_approval');
  return { b, r };
}

/** Approves and returns once Swarm has the new spec for both services (their old tasks take ~4 s to stop). */
async function approveUntilUpdating(b: BotProcess, r: Rollback): Promise<void> {
  await b.click(ACTION.approve, r.id, IC, CHANNEL, r.card?.ts ?? '');
  await until(
    'the update to start',
    async () =>
      (await runningImage(stack.backend)).includes(':v1') && (await runningImage(stack.frontend)).includes(':v1'),
  );
}

async function freshBot(): Promise<BotProcess> {
  // A short lease: a boot killed without a word is known dead only once its lease expires, even to a restart of the
  // same instance (which may be a second live task of the same Swarm slot).
  bot = new BotProcess(main, slack, stackConfig(stack, { healthUrl, retries: 3 }), {
    ROLLBACK_LEASE_MS: '5000',
    ROLLBACK_SWEEP_MS: '1000',
  });
  await bot.start();
  return bot;
}

/** Reads the bot's SQLite file from the test (WAL: the bot may be writing). */
function stored(b: BotProcess): {
  get: (id: string) => Rollback | null;
  latest: () => Rollback | undefined;
  close: () => void;
  store: SqliteRollbackStore;
} {
  const store = new SqliteRollbackStore(b.dbFile);
  return { store, get: (id) => store.get(id), latest: () => store.list({ limit: 1 })[0], close: () => store.close() };
}

async function until<T>(
  what: string,
  probe: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function requested(b: BotProcess, text: string): Promise<Rollback> {
  const db = stored(b);
  try {
    const before = db.latest()?.id;
    expect(await b.command(text, ONCALL, CHANNEL)).toBe(200);
    return await until('the new rollback', () => {
      const r = db.latest();
      return r && r.id !== before && r.card ? r : undefined;
    });
  } finally {
    db.close();
  }
}

const statusIs = (b: BotProcess, id: string, status: Rollback['status']) =>
  until(
    `rollback ${id} to be ${status}`,
    () => {
      const db = stored(b);
      try {
        const r = db.get(id);
        return r?.status === status ? r : undefined;
      } finally {
        db.close();
      }
    },
    90_000,
  );

const threadOf = (r: Rollback) => slack.threadMessages(r.card?.ts ?? '').join('\n');
const announcements = (text: string) =>
  slack.channelMessages(CHANNEL).filter((c) => String(c.args.text).includes(text)).length;

it('SIGKILL during Step 1: the restarted bot redoes the read-only checks and asks for approval', async () => {
  await badDeploy();
  const b = await freshBot();
  healthDelayMs = 3000;
  const r = await requested(b, 'production killed while confirming');
  await statusIs(b, r.id, 'confirming');
  await b.kill('SIGKILL');
  healthDelayMs = 0;
  await b.start();
  const confirmed = await statusIs(b, r.id, 'awaiting_approval');
  expect(confirmed.target).toBe('v1');
  await until('the resume note', () => threadOf(r).includes('resuming from *confirming*'));
});

it('SIGKILL while waiting for approval: the card still works after the restart, and the rollback runs once', async () => {
  const { b, r } = await awaitingApproval('production killed while waiting');
  await b.kill('SIGKILL');
  await b.start();
  const since = Math.floor(Date.now() / 1000);
  expect(await b.click(ACTION.approve, r.id, IC, CHANNEL, r.card?.ts ?? '')).toBe(200);
  await statusIs(b, r.id, 'completed');
  expect(await imageUpdatesSince(stack.backend, since)).toBe(1);
  expect(await imageUpdatesSince(stack.frontend, since)).toBe(1);
});

it('SIGKILL in the middle of the Docker update: resumed without a second update, verified, announced once', async () => {
  const { b, r } = await awaitingApproval('production killed mid update');
  const since = Math.floor(Date.now() / 1000);
  const inProgressBefore = announcements('ROLLBACK IN PROGRESS');
  await approveUntilUpdating(b, r);
  await b.kill('SIGKILL');
  await b.start();
  const done = await statusIs(b, r.id, 'completed');
  await until('the resolution', () => {
    const db = stored(b);
    try {
      return db.get(r.id)?.resolution;
    } finally {
      db.close();
    }
  });
  expect(await imageUpdatesSince(stack.backend, since)).toBe(1);
  expect(await imageUpdatesSince(stack.frontend, since)).toBe(1);
  expect(announcements('ROLLBACK IN PROGRESS') - inProgressBefore).toBe(1);
  expect(done.verification?.health).toMatchObject({ ok: true, version: 'v1' });
  await until('the resume note', () => threadOf(r).includes('resuming from *executing*'));
});

it('SIGKILL during verification: the restarted bot verifies again and completes', async () => {
  const { b, r } = await awaitingApproval('production killed while verifying');
  const since = Math.floor(Date.now() / 1000);
  healthDelayMs = 4000;
  await b.click(ACTION.approve, r.id, IC, CHANNEL, r.card?.ts ?? '');
  await statusIs(b, r.id, 'verifying');
  await b.kill('SIGKILL');
  healthDelayMs = 0;
  await b.start();
  await statusIs(b, r.id, 'completed');
  expect(await imageUpdatesSince(stack.backend, since)).toBe(1);
  await until('the resume note', () => threadOf(r).includes('resuming from *verifying*'));
});

it('SIGKILL mid update, then someone changes production: the restarted bot stops and says what it found', async () => {
  const { b, r } = await awaitingApproval('production killed then changed by hand');
  await approveUntilUpdating(b, r);
  await b.kill('SIGKILL');
  // Meanwhile an engineer deploys v3 to the backend by hand.
  await updateImage(stack.backend, `${BACKEND_IMAGE}:v3`);
  const since = Math.floor(Date.now() / 1000);
  await b.start();
  const stopped = await statusIs(b, r.id, 'interrupted');
  expect(stopped.failure).toMatchObject({ step: 'execute' });
  expect(stopped.failure?.reason).toContain('backend runs v3, neither v2 nor v1');
  await until('the interruption in the thread', () => threadOf(r).includes(':warning: *Interrupted:*'));
  expect(threadOf(r)).toContain('*What Docker reports now:*');
  expect(await imageUpdatesSince(stack.backend, since)).toBe(0);
  // The environment is free again.
  const next = await requested(b, 'production to v1 after the interruption');
  expect(next.id).not.toBe(r.id);
});

it('SIGTERM mid update: exits within 10 s, and the next start finishes the rollback once', async () => {
  const { b, r } = await awaitingApproval('production sigterm');
  const since = Math.floor(Date.now() / 1000);
  await approveUntilUpdating(b, r);
  const stop = await b.kill('SIGTERM');
  expect(stop.ms).toBeLessThan(10_000);
  expect(stop.code).toBe(0);
  await b.start();
  await statusIs(b, r.id, 'completed');
  expect(await imageUpdatesSince(stack.backend, since)).toBe(1);
  expect(await imageUpdatesSince(stack.frontend, since)).toBe(1);
});

it('SIGKILL after the announcement reached Slack but before it was recorded: the restarted bot finds it instead of announcing twice', async () => {
  const { b, r } = await awaitingApproval('production killed while announcing');
  const before = announcements('ROLLBACK IN PROGRESS');
  // Slack posts the message, but its answer never comes back: the bot dies not knowing.
  slack.delayWhen('chat.postMessage', (a) => String(a.text).includes('ROLLBACK IN PROGRESS'), Number.POSITIVE_INFINITY);
  await b.click(ACTION.approve, r.id, IC, CHANNEL, r.card?.ts ?? '');
  await until('the announcement to reach Slack', () => announcements('ROLLBACK IN PROGRESS') > before);
  await b.kill('SIGKILL');
  await b.start();
  const done = await statusIs(b, r.id, 'completed');
  expect(announcements('ROLLBACK IN PROGRESS') - before).toBe(1);
  const posted = slack
    .channelMessages(CHANNEL)
    .filter((c) => String(c.args.text).includes('ROLLBACK IN PROGRESS'))
    .at(-1);
  expect(done.announcement?.ts).toBe(posted?.args.ts);
  expect(slack.callsOf('conversations.history').length).toBeGreaterThan(0);
});
