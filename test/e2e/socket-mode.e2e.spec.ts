/**
 * Socket Mode for real: the compiled bot (front and work process) opens its WebSocket at the URL a local Socket Mode
 * server hands out through apps.connections.open on the fake Web API, acknowledges envelopes over it (with the
 * form's validation errors in the ack when there are some), reconnects when asked to, and with two replicas each
 * replica holds a connection of its own and Slack's envelopes are spread across them. On the test swarm: a whole
 * rollback driven over the socket, through a reconnect and a dropped connection; a click Slack delivers again after a
 * reconnect runs once; an app token Slack refuses stops the bot with one line.
 */
import { SqliteRollbackStore } from '../../src/adapters/sqlite/sqlite.rollback-store';
import type { Rollback } from '../../src/domain/rollback';
import { BotProcess, buildBot } from '../support/bot-process';
import { createStack, imageUpdatesSince, removeServices, requireSwarm, runningImage } from '../support/docker-env';
import { FakeSlack } from '../support/fake-slack';
import { FakeSocketMode } from '../support/fake-socket-mode';
import { unitConfig } from '../support/fakes';
import { approveBody, badDeploy, LAST_LINE, type Stack, stackConfig } from '../support/scenario';
import { invalidFormSubmission, slashCommandBody } from '../support/slack-requests';
import { until } from '../support/wait';

jest.setTimeout(120_000);

const ONCALL = 'U0ONCALL';
const CHANNEL = 'C0INCIDENT';
const APP_TOKEN = 'xapp-1-A0APP-1-socket-mode-test-token';

let main: string;
let slack: FakeSlack;
let socket: FakeSocketMode;
let bots: BotProcess[] = [];

/** A slash command as Socket Mode carries it: the same fields as the HTTP form, as an object. */
const command = (text: string) =>
  Object.fromEntries(
    new URLSearchParams(
      slashCommandBody({ text, userId: ONCALL, channelId: CHANNEL, responseUrl: slack.newResponseUrl() }),
    ),
  );

const startBots = async (n: number) => {
  bots = Array.from(
    { length: n },
    (_, i) =>
      new BotProcess(main, slack, unitConfig(), {
        SLACK_APP_TOKEN: APP_TOKEN,
        LOG_LEVEL: 'info',
        ROLLBACK_INSTANCE_ID: `socket-${i + 1}`,
      }),
  );
  // Two replicas would share one SQLite file here; the Socket Mode part is what is under test, so each has its own.
  await Promise.all(bots.map((b) => b.start()));
  await socket.waitForConnections(n);
};

beforeAll(async () => {
  main = await buildBot();
});
beforeEach(async () => {
  slack = new FakeSlack();
  await slack.start();
  socket = new FakeSocketMode(slack);
  await socket.start();
});
afterEach(async () => {
  await Promise.all(bots.map((b) => b.kill('SIGKILL')));
  bots = [];
  await socket.stop();
  await slack.stop();
});

it('acknowledges a slash command over the socket and answers it at its response_url', async () => {
  await startBots(1);
  const before = slack.responses.length;
  const ack = await socket.send('slash_commands', command('help'));
  expect(ack.ms).toBeLessThan(1000);
  await until(() => slack.responses.length > before, 'the answer', 10_000);
  expect(String(slack.responses[before].body.text)).toContain('/rollback');
  // The app token opened the connection; it never reaches the logs.
  expect(bots[0].output.join('')).not.toContain(APP_TOKEN);
});

it("carries a form's validation errors in the ack", async () => {
  await startBots(1);
  const body = invalidFormSubmission(ONCALL, CHANNEL);
  const payload = JSON.parse(new URLSearchParams(body).get('payload') as string) as Record<string, unknown>;
  const ack = await socket.send('interactive', payload);
  expect(ack.payload?.response_action).toBe('errors');
  expect(Object.keys(ack.payload?.errors as object).sort()).toEqual(['reason', 'version']);
});

it('reconnects when Slack asks it to, and keeps taking envelopes', async () => {
  await startBots(1);
  const opened = socket.connectionsOpened;
  socket.refresh();
  await until(() => socket.connectionsOpened > opened && socket.connections === 1, 'the new connection', 20_000);
  const before = slack.responses.length;
  await socket.send('slash_commands', command('help'));
  await until(() => slack.responses.length > before, 'the answer after the reconnect', 10_000);
});

it('with two replicas, each holds a connection and the envelopes are spread across them, each answered once', async () => {
  await startBots(2);
  const before = slack.responses.length;
  const acks = await Promise.all(Array.from({ length: 20 }, () => socket.send('slash_commands', command('help'))));
  expect(new Set(acks.map((a) => a.connection)).size).toBe(2);
  await until(() => slack.responses.length >= before + 20, 'twenty answers', 15_000);
  await new Promise((r) => setTimeout(r, 500));
  expect(slack.responses.length).toBe(before + 20);
});

it('stops with one line when Slack refuses the app token, instead of reconnecting forever', async () => {
  slack.answerNext('apps.connections.open', { ok: false, error: 'invalid_auth' });
  const bot = new BotProcess(main, slack, unitConfig(), { SLACK_APP_TOKEN: APP_TOKEN, LOG_LEVEL: 'info' });
  await expect(bot.start()).rejects.toThrow(/exited at start/);
  const stderr = bot.errorOutput.join('').trimEnd().split('\n');
  expect(stderr).toEqual([
    'rollback-bot: Slack refused SLACK_APP_TOKEN (invalid_auth): copy the token again from the app\'s settings page (README "Slack app setup")',
  ]);
  expect(await bot.kill('SIGKILL')).toMatchObject({ code: 2 });
  expect(slack.callsOf('apps.connections.open')).toHaveLength(1);
  expect(bot.output.join('')).not.toContain(APP_TOKEN);
});

it.each(['token_revoked', 'token_expired'])(
  'stops with one line and exit code 2 when Slack answers %s at start, instead of retrying forever',
  async (error) => {
    slack.answerNext('apps.connections.open', { ok: false, error });
    const bot = new BotProcess(main, slack, unitConfig(), { SLACK_APP_TOKEN: APP_TOKEN, LOG_LEVEL: 'info' });
    bots = [bot];
    await expect(bot.start()).rejects.toThrow(/exited at start/);
    expect(bot.errorOutput.join('').trimEnd().split('\n')).toEqual([
      `rollback-bot: Slack refused SLACK_APP_TOKEN (${error}): copy the token again from the app's settings page (README "Slack app setup")`,
    ]);
    expect(await bot.kill('SIGKILL')).toMatchObject({ code: 2 });
    expect(slack.callsOf('apps.connections.open')).toHaveLength(1);
  },
);

it('takes an envelope sent the moment its connection opens: the connection waits for the work process', async () => {
  const bot = new BotProcess(main, slack, unitConfig(), { SLACK_APP_TOKEN: APP_TOKEN, LOG_LEVEL: 'info' });
  bots = [bot];
  await bot.launch();
  await socket.waitForConnections(1, 20_000);
  const before = slack.responses.length;
  const ack = await socket.send('slash_commands', command('help'));
  expect(ack.ms).toBeLessThan(2500);
  await until(() => slack.responses.length > before, 'the answer', 10_000);
  expect(String(slack.responses[before].body.text)).toContain('/rollback');
});

it('an app token Slack refuses while running: /readyz says so while it retries, and it comes back when Slack takes it', async () => {
  await startBots(1);
  const readyz = async () => {
    const res = await fetch(`${bots[0].baseUrl}/readyz`);
    return { status: res.status, body: (await res.json()) as { reason?: string } };
  };
  expect((await readyz()).status).toBe(200);
  // Slack drops the connection and refuses the token when the bot asks for a new one (revoked, then restored).
  slack.answerNext('apps.connections.open', { ok: false, error: 'invalid_auth' });
  socket.drop();
  // Not ready from the drop on ("not connected to Slack"), then saying why the connection does not come back.
  const refused = await until(
    async () => {
      const r = await readyz();
      return r.body.reason?.includes('refused') ? r : undefined;
    },
    '/readyz to say the token is refused',
    20_000,
    100,
  );
  expect(refused.status).toBe(503);
  expect(refused.body.reason).toBe('Slack refused SLACK_APP_TOKEN (invalid_auth); asking again');
  // Liveness stays: what runs (a rollback in flight, the deploy gate) goes on; a restart would not help.
  expect((await fetch(`${bots[0].baseUrl}/healthz`)).status).toBe(200);
  await socket.waitForConnections(1, 30_000);
  await until(async () => (await readyz()).status === 200, '/readyz to be 200 again', 10_000, 100);
  const before = slack.responses.length;
  await socket.send('slash_commands', command('help'));
  await until(() => slack.responses.length > before, 'an answer on the new connection', 10_000);
  expect(bots[0].output.join('')).toContain('Slack refused SLACK_APP_TOKEN (invalid_auth)');
  expect(bots[0].output.join('')).not.toContain(APP_TOKEN);
});

it('serves the deploy gate on PORT in Socket Mode too', async () => {
  const token = 'socket-mode-gate-token-0f3a9c2e';
  bots = [
    new BotProcess(main, slack, unitConfig({}, { api: { tokens: { ci: token } } }), {
      SLACK_APP_TOKEN: APP_TOKEN,
      LOG_LEVEL: 'info',
    }),
  ];
  await bots[0].start();
  const url = `${bots[0].baseUrl}/api/v1/environments/production/deploy-gate`;
  const open = await fetch(url, { headers: { Authorization: `Bearer ${token}` } });
  expect(open.status).toBe(200);
  expect(await open.json()).toEqual({ environment: 'production', deploys: 'allowed' });
  expect((await fetch(url)).status).toBe(401);
  expect(bots[0].output.join('')).not.toContain(token);
});

describe('a rollback over Socket Mode, on the swarm', () => {
  let stack: Stack;
  let store: SqliteRollbackStore | undefined;

  beforeAll(async () => {
    await requireSwarm();
    // Services that take ~3 s to stop, so the update is long enough to cut the connection in the middle of it.
    stack = await createStack('socket', 'v2', ['--stop-signal', 'SIGUSR1', '--stop-grace-period', '3s']);
  });
  afterEach(() => {
    store?.close();
    store = undefined;
  });
  afterAll(() => removeServices(stack.backend, stack.frontend));

  const startBot = async () => {
    const bot = new BotProcess(main, slack, stackConfig(stack), { SLACK_APP_TOKEN: APP_TOKEN, LOG_LEVEL: 'info' });
    bots = [bot];
    await bot.start();
    await socket.waitForConnections(1);
    store = new SqliteRollbackStore(bot.dbFile);
    return store;
  };

  const statusIs = (db: SqliteRollbackStore, id: string, status: Rollback['status']) =>
    until(() => (db.get(id)?.status === status ? db.get(id) : undefined), `rollback ${id} to be ${status}`, 90_000);

  /** `/rollback production …` over the socket, after a bad deploy: the rollback once it awaits approval. */
  async function requested(db: SqliteRollbackStore, text: string): Promise<Rollback> {
    await badDeploy(stack);
    const before = db.list({ limit: 1 })[0]?.id;
    await socket.send('slash_commands', command(text));
    const r = await until(
      () => {
        const latest = db.list({ limit: 1 })[0];
        return latest && latest.id !== before && latest.card ? latest : undefined;
      },
      'the card',
      30_000,
    );
    return statusIs(db, r.id, 'awaiting_approval') as Promise<Rollback>;
  }

  /** The Approve click as Socket Mode carries it (the same payload as the HTTP form's `payload` field). */
  const approval = (r: Rollback) =>
    JSON.parse(new URLSearchParams(approveBody(r, slack.newResponseUrl())).get('payload') as string) as Record<
      string,
      unknown
    >;

  const announced = (text: string) =>
    slack.channelMessages(CHANNEL).filter((c) => String(c.args.text).includes(text)).length;

  it('request → Approve → COMPLETE, through a refresh and a dropped connection in the middle', async () => {
    const db = await startBot();
    const r = await requested(db, 'production socket mode rollback');
    const since = Math.floor(Date.now() / 1000);
    const opened = socket.connectionsOpened;

    const ack = await socket.send('interactive', approval(r));
    expect(ack.ms).toBeLessThan(3000);
    // Slack asks for a new connection as the rollback starts…
    socket.refresh();
    await until(
      () => socket.connectionsOpened > opened && socket.connections === 1,
      'the refreshed connection',
      20_000,
    );
    // …and the new one is cut while the services are being rolled back.
    await until(async () => (await runningImage(stack.backend)).includes(':v1'), 'the update to start', 60_000);
    socket.drop();
    await until(() => socket.connections === 0, 'the connection to be gone', 5000);

    await statusIs(db, r.id, 'completed');
    await until(
      () => slack.threadMessages(r.card?.ts ?? '').some((m) => m.includes(LAST_LINE)),
      'the last step',
      30_000,
    );
    // The bot came back on its own and takes envelopes again.
    await socket.waitForConnections(1, 30_000);
    expect(socket.connectionsOpened).toBeGreaterThanOrEqual(opened + 2);
    const before = slack.responses.length;
    await socket.send('slash_commands', command('help'));
    await until(() => slack.responses.length > before, 'an answer after the reconnect', 10_000);

    expect(await imageUpdatesSince(stack.backend, since)).toBe(1);
    expect(await imageUpdatesSince(stack.frontend, since)).toBe(1);
    expect(announced('ROLLBACK IN PROGRESS')).toBe(1);
  });

  it('a click delivered again after a reconnect (its ack was lost) runs once', async () => {
    const db = await startBot();
    const r = await requested(db, 'production socket mode click twice');
    const since = Math.floor(Date.now() / 1000);
    const inProgress = announced('ROLLBACK IN PROGRESS');
    const click = approval(r);

    // The first delivery reaches the bot and is acknowledged, but the connection goes before the ack reaches Slack…
    await socket.send('interactive', click);
    socket.drop();
    await until(() => socket.connections === 0, 'the connection to be gone', 5000);
    // …so Slack delivers the same click again on the next connection.
    await socket.waitForConnections(1, 30_000);
    const again = await socket.send('interactive', click, { retryAttempt: 1 });
    expect(again.ms).toBeLessThan(3000);

    await statusIs(db, r.id, 'completed');
    expect(await imageUpdatesSince(stack.backend, since)).toBe(1);
    expect(await imageUpdatesSince(stack.frontend, since)).toBe(1);
    expect(announced('ROLLBACK IN PROGRESS') - inProgress).toBe(1);
    expect(db.timeline(r.id).filter((e) => e.type === 'ApprovalGranted')).toHaveLength(1);
  });
});
