/**
 * How the Socket Mode connection is opened and kept, against the local fake Slack and its Socket Mode server: ready
 * once connected, a refused app token ends the start, Slack out of reach is said on /readyz and waited out. The front around it, with the Slack client's own multi-second retries, is in
 * test/integration/front.socket-mode.spec.ts.
 */
import type { App } from '@slack/bolt';
import pino from 'pino';
import { type SocketMode, SLACK_RETRY_MS, socketModeReceiver } from '../../../src/replica/socket-mode-receiver';
import { freePort } from '../../support/docker-env';
import { FakeSlack } from '../../support/fake-slack';
import { FakeSocketMode } from '../../support/fake-socket-mode';
import { until } from '../../support/wait';

const APP_TOKEN = 'xapp-1-A0APP-1-socket-receiver-test';

/** The app as the front gives it: one that takes every envelope (acks it) and records it. */
function takingApp(taken: unknown[]): App {
  return {
    processEvent: async (event: { body: unknown; ack: () => Promise<void> }) => {
      taken.push(event.body);
      await event.ack();
    },
  } as unknown as App;
}

describe('socketModeReceiver', () => {
  let slack: FakeSlack;
  let socket: FakeSocketMode;
  let receiver: SocketMode | undefined;
  const logged: string[] = [];
  const logger = pino({ level: 'info' }, { write: (l: string) => void logged.push(JSON.parse(l).msg as string) });

  beforeEach(async () => {
    logged.length = 0;
    slack = new FakeSlack();
    await slack.start();
    socket = new FakeSocketMode(slack);
    await socket.start();
  });
  afterEach(async () => {
    receiver?.halt();
    await receiver?.disconnect();
    receiver = undefined;
    await socket.stop();
    await slack.stop();
  });

  it('is ready before connect() and once connected, and hands the envelopes to the app', async () => {
    const taken: unknown[] = [];
    receiver = socketModeReceiver(takingApp(taken), { appToken: APP_TOKEN, slackApiUrl: slack.apiUrl, logger });
    expect(receiver.notReady()).toBeNull();
    await receiver.connect();
    await socket.waitForConnections(1);
    await until(() => receiver?.notReady() === null, 'ready once connected', 2000);
    expect(slack.callsOf('apps.connections.open')).toHaveLength(1);
    const ack = await socket.send('slash_commands', { command: '/rollback', text: 'help' });
    expect(ack.ms).toBeLessThan(1000);
    expect(taken).toEqual([expect.objectContaining({ text: 'help' })]);
  });

  it.each(['invalid_auth', 'token_revoked'])(
    'fails the start with a coded error naming the app token when Slack answers %s',
    async (error) => {
      slack.answerNext('apps.connections.open', { ok: false, error });
      receiver = socketModeReceiver(takingApp([]), { appToken: APP_TOKEN, slackApiUrl: slack.apiUrl, logger });
      await expect(receiver.connect()).rejects.toMatchObject({
        code: 'SLACK_TOKEN_REFUSED',
        variable: 'SLACK_APP_TOKEN',
        slackError: error,
      });
      expect(socket.connectionsOpened).toBe(0);
    },
  );

  it('with Slack out of reach: not ready, saying why and when it asks again, and connects once Slack answers', async () => {
    const port = await freePort();
    receiver = socketModeReceiver(takingApp([]), {
      appToken: APP_TOKEN,
      slackApiUrl: `http://127.0.0.1:${port}/api/`,
      logger,
    });
    const connecting = receiver.connect();
    connecting.catch(() => undefined);
    await until(() => logged.some((m) => m.includes('cannot reach')), 'the first failed attempt', 3000);
    const cannot = `cannot reach 127.0.0.1:${port} (apps.connections.open): connect ECONNREFUSED 127.0.0.1:${port}`;
    expect(logged).toContain(`${cannot}, retrying in ${SLACK_RETRY_MS / 1000} s`);
    expect(receiver.notReady()).toBe(`not connected to Slack: ${cannot}; retrying in 1 s`);
    // Slack answers again: the next attempt (after one pause of SLACK_RETRY_MS) connects.
    const back = new FakeSlack();
    const backSocket = new FakeSocketMode(back);
    try {
      await back.start(port);
      await backSocket.start();
      await connecting;
      await backSocket.waitForConnections(1);
      expect(logged).toContain('Slack answers apps.connections.open again');
      await until(() => receiver?.notReady() === null, 'ready once connected', 2000);
    } finally {
      receiver.halt();
      await receiver.disconnect();
      receiver = undefined;
      await backSocket.stop();
      await back.stop();
    }
  });
});
