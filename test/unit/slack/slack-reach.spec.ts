/**
 * A Web API call that gets no answer is said with the host and the call it tried, once per attempt, with the bound on
 * attempts; the WebClient's own "http request failed fetch failed" stays out of the log. A real WebClient against a
 * closed port on 127.0.0.1.
 */
import { Writable } from 'node:stream';
import { WebClient } from '@slack/web-api';
import pino from 'pino';
import { translateSlackError } from '../../../src/adapters/slack/slack-errors';
import { boltLogger } from '../../../src/slack/bolt-logger';
import { callOf, loggedRetries, namingFetch, networkReason, unreachableIn } from '../../../src/slack/slack-reach';
import { freePort } from '../../support/docker-env';

/** A pino logger at `level` whose lines the test reads. */
function capture(level: string): { logger: pino.Logger; lines: Array<{ level: number; msg: string }> } {
  const lines: Array<{ level: number; msg: string }> = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(l) as never);
      done();
    },
  });
  return { logger: pino({ level }, sink), lines };
}

it('names the host and the Web API method of a call', () => {
  expect(callOf('https://slack.com/api/chat.postMessage')).toEqual({ host: 'slack.com', method: 'chat.postMessage' });
  expect(callOf('http://127.0.0.1:4000/api/apps.connections.open')).toEqual({
    host: '127.0.0.1:4000',
    method: 'apps.connections.open',
  });
  expect(callOf('https://hooks.slack.com/actions/T0/1/abc').method).toBe('response_url');
});

it('says the network\'s own reason, not undici\'s "fetch failed"', async () => {
  const port = await freePort();
  const err = await fetch(`http://127.0.0.1:${port}/`).catch((e: unknown) => e);
  expect((err as Error).message).toBe('fetch failed');
  expect(networkReason(err)).toBe(`connect ECONNREFUSED 127.0.0.1:${port}`);
  const timedOut = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(0) }).catch(
    (e: unknown) => e,
  );
  expect(networkReason(timedOut)).toBe('no answer before the timeout');
});

it("logs each failed attempt with the host, the call and the bound, and not the WebClient's own line", async () => {
  const port = await freePort();
  const { logger, lines } = capture('info');
  const client = new WebClient('xoxb-reach-test', {
    slackApiUrl: `http://127.0.0.1:${port}/api/`,
    logger: boltLogger(logger),
    fetch: namingFetch(),
    retryConfig: loggedRetries(logger, { retries: 1, minTimeout: 10, maxTimeout: 10 }),
  });
  const err = await client.chat.postMessage({ channel: 'C0ONE', text: 'hi' }).catch((e: unknown) => e);
  const said = `cannot reach 127.0.0.1:${port} (chat.postMessage): connect ECONNREFUSED 127.0.0.1:${port}`;
  expect(lines.map((l) => l.msg)).toEqual([`${said} (attempt 1 of at most 2)`, `${said} (attempt 2 of at most 2)`]);
  expect(lines.every((l) => l.level === 40)).toBe(true);
  // What the caller gets: the project's coded error, saying the same.
  expect(unreachableIn(err)?.message).toBe(said);
  const translated = translateSlackError(err, 'chat.postMessage');
  expect(translated).toMatchObject({ code: 'SLACK_UNREACHABLE', message: said });
});

it('keeps the WebClient\'s "http request failed" for debugging', () => {
  const { logger, lines } = capture('debug');
  boltLogger(logger).warn('http request failed', 'fetch failed');
  boltLogger(logger).warn('something else failed');
  expect(lines.map((l) => [l.level, l.msg])).toEqual([
    [20, 'http request failed fetch failed'],
    [40, 'something else failed'],
  ]);
});
