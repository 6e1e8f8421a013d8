/** What a process starts from: the environment and the config file read together, every problem named at once. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { databasePassword, readSettings } from '../../../src/config/settings';

const CONFIG = `
roles:
  incident_commanders: { users: [U0IC] }
environments:
  production:
    channel: C0INCIDENT
    strategy: docker
    health: { url: https://api.example.com/health }
    services:
      - { name: backend, docker_service: app-backend, image: registry.example.com/app-backend }
`;

describe('databasePassword', () => {
  it('is the decoded password of a postgres:// URL, and empty for anything else', () => {
    expect(databasePassword('postgres://bot:p%40ss@db:5432/r')).toBe('p@ss');
    expect(databasePassword('postgres://bot@db/r')).toBe('');
    expect(databasePassword('./data/rollback.db')).toBe('');
  });
});

describe('readSettings', () => {
  const saved = { ...process.env };
  let dir: string;
  let stderr: string[];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'rollback-settings-'));
    stderr = [];
    for (const k of Object.keys(process.env)) if (/^(SLACK_|ROLLBACK_|DATABASE_URL)/.test(k)) delete process.env[k];
    jest.spyOn(process.stderr, 'write').mockImplementation((s) => {
      stderr.push(String(s));
      return true;
    });
    jest.spyOn(process, 'exit').mockImplementation((code) => {
      throw new Error(`exit ${code}`);
    });
  });
  afterEach(() => {
    jest.restoreAllMocks();
    process.env = { ...saved };
    rmSync(dir, { recursive: true, force: true });
  });

  it('returns the environment, the config and every secret in them', () => {
    writeFileSync(join(dir, 'c.yml'), CONFIG);
    Object.assign(process.env, {
      SLACK_BOT_TOKEN: 'xoxb-secret-token',
      SLACK_SIGNING_SECRET: 'signing-secret',
      ROLLBACK_CONFIG: join(dir, 'c.yml'),
      ROLLBACK_DB: 'postgres://bot:db-password@db:5432/r',
    });
    const s = readSettings();
    expect(s.config.environments.production.channel).toBe('C0INCIDENT');
    expect(s.env.SLACK_BOT_TOKEN).toBe('xoxb-secret-token');
    expect(s.secrets).toEqual(expect.arrayContaining(['xoxb-secret-token', 'signing-secret', 'db-password']));
    expect(stderr).toEqual([]);
  });

  it('names every problem of both on one line, without a value, and exits with code 2', () => {
    Object.assign(process.env, {
      SLACK_BOT_TOKEN: 'not-a-bot-token',
      ROLLBACK_CONFIG: join(dir, 'missing.yml'),
    });
    expect(() => readSettings()).toThrow('exit 2');
    expect(stderr).toHaveLength(1);
    const line = stderr[0];
    expect(line).toMatch(/^rollback-bot: cannot start\. environment variables are invalid: /);
    expect(line).toContain('SLACK_BOT_TOKEN: a bot token starting with xoxb-');
    expect(line).toContain('SLACK_SIGNING_SECRET: required in HTTP mode');
    expect(line).toContain('missing.yml');
    expect(line).not.toContain('not-a-bot-token');
    expect(line.endsWith('(see docs/configuration.md "Environment" and "Configuration reference")\n')).toBe(true);
  });
});
