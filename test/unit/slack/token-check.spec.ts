/** The start-up token check against the local fake Slack Web API: accepted, refused (stops the bot), out of reach (does not). */
import { createServer } from 'node:net';
import { checkAppToken, checkBotToken, refusedToken, SlackTokenRefused } from '../../../src/slack/token-check';
import { FakeSlack } from '../../support/fake-slack';

const slack = new FakeSlack();
beforeAll(() => slack.start());
afterAll(() => slack.stop());

/** A port on 127.0.0.1 that nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

describe('checkBotToken', () => {
  it('accepts a token auth.test accepts, with the bot user and team', async () => {
    expect(await checkBotToken('xoxb-good', slack.apiUrl)).toEqual({
      kind: 'accepted',
      botUserId: 'UBOT',
      team: 'test',
    });
  });

  it('says refused, with Slack’s reason, for a revoked token', async () => {
    slack.answerNext('auth.test', { ok: false, error: 'token_revoked' });
    expect(await checkBotToken('xoxb-old', slack.apiUrl)).toEqual({ kind: 'refused', error: 'token_revoked' });
  });

  it('says unreachable, naming the host and the call, when nothing answers (one attempt, no retries)', async () => {
    const port = await closedPort();
    const out = await checkBotToken('xoxb-good', `http://127.0.0.1:${port}/api/`, 2000);
    expect(out).toEqual({
      kind: 'unreachable',
      reason: expect.stringContaining(`cannot reach 127.0.0.1:${port} (auth.test)`),
    });
  });

  it('does not take a passing error for a refused token', async () => {
    slack.answerNext('auth.test', { ok: false, error: 'internal_error' });
    expect(await checkBotToken('xoxb-good', slack.apiUrl)).toMatchObject({ kind: 'unreachable' });
  });
});

describe('checkAppToken', () => {
  it('says refused for an app token Slack rejects', async () => {
    slack.answerNext('apps.connections.open', { ok: false, error: 'invalid_auth' });
    expect(await checkAppToken('xapp-bad', slack.apiUrl)).toEqual({ kind: 'refused', error: 'invalid_auth' });
  });

  it('accepts an app token apps.connections.open accepts', async () => {
    slack.answerNext('apps.connections.open', { ok: true, url: 'wss://127.0.0.1/unused' });
    expect(await checkAppToken('xapp-good', slack.apiUrl)).toMatchObject({ kind: 'accepted' });
  });
});

describe('refusedToken', () => {
  it('knows the token errors, its own error, and nothing else', () => {
    expect(refusedToken({ data: { error: 'account_inactive' } })).toBe('account_inactive');
    expect(refusedToken(new SlackTokenRefused('SLACK_APP_TOKEN', 'token_expired'))).toBe('token_expired');
    expect(refusedToken({ data: { error: 'ratelimited' } })).toBeUndefined();
    expect(refusedToken(null)).toBeUndefined();
  });

  it('names the variable, never the token, in its message', () => {
    expect(new SlackTokenRefused('SLACK_BOT_TOKEN', 'invalid_auth').message).toBe(
      'Slack refused SLACK_BOT_TOKEN (invalid_auth)',
    );
  });
});
