/**
 * The front in Socket Mode against a local fake Slack and its Socket Mode server (real WebSockets): envelopes
 * acknowledged over the socket, a refused app token ending the start, Slack out of reach waited out on /readyz.
 * Integration, not unit: it waits out the Slack client's real retry pauses (seconds). The pieces with logic are
 * unit-tested in test/unit/replica/socket-mode-receiver.spec.ts.
 */
import pino from 'pino';
import { readEnv } from '../../src/config/env';
import { createFront, type Front, type FrontState } from '../../src/replica/front';
import { freePort } from '../support/docker-env';
import { FakeSlack } from '../support/fake-slack';
import { FakeSocketMode } from '../support/fake-socket-mode';
import { TestLink } from '../support/test-link';
import { until } from '../support/wait';

let link: TestLink;
let state: FrontState;

beforeEach(() => {
  link = new TestLink();
  state = 'serving';
});

describe('Socket Mode', () => {
  const APP_TOKEN = 'xapp-1-A0APP-1-front-socket-test';
  let slack: FakeSlack;
  let socket: FakeSocketMode;
  let sm: Front;
  let base: string;

  beforeEach(async () => {
    slack = new FakeSlack();
    await slack.start();
    socket = new FakeSocketMode(slack);
    await socket.start();
    const env = readEnv({
      SLACK_BOT_TOKEN: 'xoxb-front-test',
      SLACK_APP_TOKEN: APP_TOKEN,
      SLACK_API_URL: slack.apiUrl,
      PORT: String(await freePort()),
    });
    sm = createFront(env, pino({ level: 'silent' }), { state: () => state, link });
    base = `http://127.0.0.1:${await sm.start()}`;
    // The port is bound before the Slack connection opens (the work side may not take envelopes yet).
    expect(socket.connectionsOpened).toBe(0);
    await sm.connect();
    await socket.waitForConnections(1);
  });
  afterEach(async () => {
    await sm.stop();
    await socket.stop();
    await slack.stop();
  });

  it('answers a malformed %-escape on an API path with 400 instead of leaving the request hanging', async () => {
    const res = await fetch(`${base}/api/v1/environments/%ZZ/deploy-gate`, { signal: AbortSignal.timeout(3000) });
    expect(res.status).toBe(400);
    expect(link.apiRequests).toHaveLength(0);
  });

  it('hands the API the path decoded once, as the HTTP mode does', async () => {
    const res = await fetch(`${base}/api/v1/environments/%2541/deploy-gate`, { signal: AbortSignal.timeout(3000) });
    expect(res.status).toBe(423);
    expect(link.apiRequests.map((r) => r.path)).toEqual(['/api/v1/environments/%41/deploy-gate']);
  });

  it('acknowledges an envelope over the socket and hands it over', async () => {
    link.answer = () => Promise.resolve(undefined);
    const ack = await socket.send('slash_commands', { command: '/rollback', text: 'help', trigger_id: 't.1' });
    expect(ack.ms).toBeLessThan(1000);
    expect(link.forwarded.map((f) => f.body.text)).toEqual(['help']);
  });

  it('leaves an envelope unacknowledged while the work side cannot take it, so Slack delivers it elsewhere', async () => {
    link.hung = 'the work process has not answered for 6 s';
    await expect(
      socket.send('slash_commands', { command: '/rollback', text: 'help', trigger_id: 't.2' }, { timeoutMs: 1000 }),
    ).rejects.toThrow(/no ack/);
    expect(link.forwarded).toHaveLength(0);
  });

  it.each(['token_revoked', 'token_expired', 'invalid_auth'])(
    'fails to connect, naming the app token, when Slack answers %s (no retrying forever)',
    async (error) => {
      const env = readEnv({
        SLACK_BOT_TOKEN: 'xoxb-front-test',
        SLACK_APP_TOKEN: APP_TOKEN,
        SLACK_API_URL: slack.apiUrl,
        PORT: '0',
      });
      const refused = createFront(env, pino({ level: 'silent' }), { state: () => state, link });
      await refused.start();
      const calls = slack.callsOf('apps.connections.open').length;
      slack.answerNext('apps.connections.open', { ok: false, error });
      try {
        await expect(refused.connect()).rejects.toMatchObject({
          code: 'SLACK_TOKEN_REFUSED',
          variable: 'SLACK_APP_TOKEN',
          slackError: error,
        });
        // The client retries token_revoked itself after 5 s: it was stopped instead.
        if (error === 'token_revoked') await new Promise((r) => setTimeout(r, 5500));
        expect(slack.callsOf('apps.connections.open').length - calls).toBe(1);
      } finally {
        await refused.stop();
      }
    },
  );

  it('with Slack out of reach: stays alive, says why on /readyz, and connects once Slack answers', async () => {
    const port = await freePort();
    const logged: string[] = [];
    const logger = pino({ level: 'info' }, { write: (l: string) => logged.push(JSON.parse(l).msg as string) });
    const env = readEnv({
      SLACK_BOT_TOKEN: 'xoxb-front-test',
      SLACK_APP_TOKEN: APP_TOKEN,
      SLACK_API_URL: `http://127.0.0.1:${port}/api/`,
      PORT: '0',
    });
    const away = createFront(env, logger, { state: () => state, link });
    const at = `http://127.0.0.1:${await away.start()}`;
    const back = new FakeSlack();
    const backSocket = new FakeSocketMode(back);
    let connected = false;
    const connecting = away.connect().then(() => (connected = true));
    try {
      await until(() => logged.some((m) => m.includes('cannot reach')), 'the first failed attempt', 5000);
      const cannot = `cannot reach 127.0.0.1:${port} (apps.connections.open): connect ECONNREFUSED 127.0.0.1:${port}`;
      expect(logged).toContain(`${cannot}, retrying in 1 s`);
      const ready = await fetch(`${at}/readyz`);
      expect(ready.status).toBe(503);
      expect(((await ready.json()) as { reason: string }).reason).toMatch(
        new RegExp(`^not connected to Slack: ${cannot.replace(/[.()]/g, '\\$&')}; retrying in \\d+ s$`),
      );
      expect((await fetch(`${at}/healthz`)).status).toBe(200);
      expect(connected).toBe(false);

      await back.start(port);
      await backSocket.start();
      await connecting;
      await backSocket.waitForConnections(1);
      expect((await fetch(`${at}/readyz`)).status).toBe(200);

      // A dropped connection: not ready until the client has opened a new one.
      backSocket.drop();
      await until(async () => (await fetch(`${at}/readyz`)).status === 503, 'not ready after the drop', 3000);
      const dropped = (await (await fetch(`${at}/readyz`)).json()) as { reason: string };
      expect(dropped.reason).toBe('not connected to Slack (connecting)');
      await until(async () => (await fetch(`${at}/readyz`)).ok, 'ready after the reconnect', 15_000, 100);
    } finally {
      await away.stop();
      await connecting.catch(() => undefined);
      await backSocket.stop();
      await back.stop();
    }
  });

  it('answers 404 on /slack/events: in Socket Mode nothing arrives over HTTP', async () => {
    const res = await fetch(`${base}/slack/events`, { method: 'POST', body: 'x' });
    expect(res.status).toBe(404);
  });
});
