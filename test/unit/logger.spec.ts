/** The one root logger: every line scrubbed of known secrets and token-shaped text, and the usual paths censored. */
import { Writable } from 'node:stream';
import { createLogger } from '../../src/logger';

function capture(secrets: string[] = []) {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  return { logger: createLogger({ level: 'info', secrets, destination }), lines };
}
const flush = () => new Promise((r) => setImmediate(r));

describe('createLogger', () => {
  it('writes JSON lines with the app name, ISO time and the level asked for', async () => {
    const { logger, lines } = capture();
    logger.debug('not shown');
    logger.info({ rollbackId: 'rb-1' }, 'rollback approved');
    await flush();
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0]) as Record<string, unknown>;
    expect(line).toMatchObject({ app: 'rollback-bot', rollbackId: 'rb-1', msg: 'rollback approved', level: 30 });
    expect(line.time).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('takes the known secrets and anything shaped like a Slack token out of every line, messages and errors included', async () => {
    const { logger, lines } = capture(['db-password-123']);
    logger.error(
      { err: new Error('connect postgres://bot:db-password-123@db failed'), note: 'xoxb-1234-5678-abcdefghijkl' },
      'token xapp-1-A0APP-1-0123456789abcdef leaked into a message',
    );
    await flush();
    const text = lines.join('');
    expect(text).not.toContain('db-password-123');
    expect(text).not.toContain('xoxb-1234-5678-abcdefghijkl');
    expect(text).not.toContain('xapp-1-A0APP-1-0123456789abcdef');
    expect(text).toContain('[redacted]');
  });

  it('censors tokens and signing secrets by their path in logged objects', async () => {
    const { logger, lines } = capture();
    logger.info(
      { token: 'plain', headers: { authorization: 'Bearer abc' }, env: { SLACK_SIGNING_SECRET: 'sig' } },
      'options',
    );
    await flush();
    const line = JSON.parse(lines[0]) as {
      token: string;
      headers: { authorization: string };
      env: Record<string, string>;
    };
    expect([line.token, line.headers.authorization, line.env.SLACK_SIGNING_SECRET]).toEqual([
      '[redacted]',
      '[redacted]',
      '[redacted]',
    ]);
  });
});
