/**
 * Socket Mode for real: the compiled bot (front and work process) opens its WebSocket at the URL a local Socket Mode
 * server hands out through apps.connections.open on the fake Web API, acknowledges envelopes over it (with the
 * form's validation errors in the ack when there are some), reconnects when asked to, and with two replicas each
 * replica holds a connection of its own and Slack's envelopes are spread across them.
 */
import { BotProcess, buildBot } from '../support/bot-process';
import { FakeSlack } from '../support/fake-slack';
import { FakeSocketMode } from '../support/fake-socket-mode';
import { unitConfig } from '../support/fakes';
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
