/** The process environment the bot reads: defaults, secrets from files, and every problem named without its value. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readEnv } from '../../../src/config/env';
import { SettingsError } from '../../../src/domain/errors';

describe('readEnv', () => {
  it('applies the documented defaults', () => {
    expect(readEnv({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's' })).toEqual({
      SLACK_BOT_TOKEN: 'xoxb-1',
      SLACK_SIGNING_SECRET: 's',
      SLACK_API_URL: 'https://slack.com/api/',
      PORT: 3000,
      ROLLBACK_CONFIG: './rollback.config.yml',
      ROLLBACK_DB: './data/rollback.db',
      ROLLBACK_DB_SCHEMA: 'public',
      ROLLBACK_LEASE_MS: 30_000,
      ROLLBACK_REPLICAS: 1,
      ROLLBACK_SWEEP_MS: 15_000,
      LOG_LEVEL: 'info',
    });
  });

  it('takes the database from ROLLBACK_DB, else DATABASE_URL, else a SQLite file', () => {
    const base = { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's' };
    const pg = 'postgres://bot:pw@db.internal:5432/rollback';
    expect(readEnv({ ...base, DATABASE_URL: pg }).ROLLBACK_DB).toBe(pg);
    expect(readEnv({ ...base, DATABASE_URL: pg, ROLLBACK_DB: '/data/x.db' }).ROLLBACK_DB).toBe('/data/x.db');
    expect(() => readEnv({ ...base, ROLLBACK_DB_SCHEMA: 'Drop Table' })).toThrow('ROLLBACK_DB_SCHEMA: a schema name');
  });

  it('reads secrets from files (the *_FILE convention of Docker secrets), the variable itself winning', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rollback-env-'));
    try {
      writeFileSync(join(dir, 'token'), 'xoxb-from-file\n');
      writeFileSync(join(dir, 'db'), 'postgres://bot:pw@db:5432/r');
      const env = readEnv({
        SLACK_BOT_TOKEN_FILE: join(dir, 'token'),
        SLACK_SIGNING_SECRET: 's',
        ROLLBACK_DB_FILE: join(dir, 'db'),
      });
      expect(env.SLACK_BOT_TOKEN).toBe('xoxb-from-file');
      expect(env.ROLLBACK_DB).toBe('postgres://bot:pw@db:5432/r');
      expect(
        readEnv({ SLACK_BOT_TOKEN: 'xoxb-direct', SLACK_BOT_TOKEN_FILE: join(dir, 'token'), SLACK_SIGNING_SECRET: 's' })
          .SLACK_BOT_TOKEN,
      ).toBe('xoxb-direct');
      expect(() => readEnv({ SLACK_BOT_TOKEN_FILE: join(dir, 'missing'), SLACK_SIGNING_SECRET: 's' })).toThrow(
        `SLACK_BOT_TOKEN_FILE: cannot read ${join(dir, 'missing')} (ENOENT)`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('needs the signing secret in HTTP mode but not in Socket Mode', () => {
    expect(() => readEnv({ SLACK_BOT_TOKEN: 'xoxb-1' })).toThrow('SLACK_SIGNING_SECRET: required in HTTP mode');
    expect(readEnv({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1' }).SLACK_APP_TOKEN).toBe('xapp-1');
  });

  it('says which variable is missing or malformed, without echoing its value', () => {
    expect(() => readEnv({ SLACK_SIGNING_SECRET: 's' })).toThrow('SLACK_BOT_TOKEN: required');
    let message = '';
    try {
      readEnv({ SLACK_BOT_TOKEN: 'secret-looking-value', SLACK_SIGNING_SECRET: 's' });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain('SLACK_BOT_TOKEN: a bot token starting with xoxb-');
    expect(message).not.toContain('secret-looking-value');
  });
});

describe('readEnv: empty values', () => {
  it('counts an empty variable as unset, so `FOO=` in an env file is no token', () => {
    expect(() => readEnv({ SLACK_BOT_TOKEN: '', SLACK_SIGNING_SECRET: 's' })).toThrow('SLACK_BOT_TOKEN: required');
    expect(readEnv({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's', PORT: '' }).PORT).toBe(3000);
  });

  it('names every problem at once, with a coded error', () => {
    let err: unknown;
    try {
      readEnv({ PORT: 'http', ROLLBACK_REPLICAS: '99' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SettingsError);
    expect(err).toMatchObject({ code: 'CONFIG_INVALID' });
    const message = (err as Error).message;
    for (const name of ['SLACK_BOT_TOKEN', 'PORT', 'ROLLBACK_REPLICAS', 'SLACK_SIGNING_SECRET'])
      expect(message).toContain(`${name}:`);
  });
});
