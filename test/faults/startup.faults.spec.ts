/**
 * Starting the compiled bot with settings that cannot work: every problem is named at once on one line (never a
 * value), a token Slack rejects stops it with one line and exit code 2, and a Slack out of reach does not.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { BOT_TOKEN, SIGNING_SECRET } from '../support/bot-harness';
import { buildBot } from '../support/bot-process';
import { freePort } from '../support/docker-env';
import { FakeSlack } from '../support/fake-slack';
import { unitConfig } from '../support/fakes';

jest.setTimeout(120_000);

let main: string;
let slack: FakeSlack;
const dir = mkdtempSync(join(tmpdir(), 'rollback-startup-'));
const configFile = join(dir, 'rollback.config.yml');

beforeAll(async () => {
  main = await buildBot();
  writeFileSync(configFile, stringify(unitConfig()));
  slack = new FakeSlack();
  await slack.start();
});
afterAll(() => slack.stop());

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  /** ms from start to exit. */
  ms: number;
}

/** Runs the bot with exactly this environment (plus PATH) and `args`; kills it after `limitMs` if still running. */
function run(env: Record<string, string>, args: string[] = [], limitMs = 15_000): Promise<Run> {
  const started = Date.now();
  const child = spawn(process.execPath, [main, ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), limitMs);
  return new Promise((resolve) =>
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    }),
  );
}

const baseEnv = async () => ({
  SLACK_BOT_TOKEN: BOT_TOKEN,
  SLACK_SIGNING_SECRET: SIGNING_SECRET,
  SLACK_API_URL: slack.apiUrl,
  ROLLBACK_CONFIG: configFile,
  ROLLBACK_DB: join(dir, `bot-${Date.now()}.db`),
  PORT: String(await freePort()),
  LOG_LEVEL: 'info',
});

it('names every missing setting at once, on one line, with where to read about them', async () => {
  const r = await run({ ROLLBACK_CONFIG: join(dir, 'nowhere.yml') });
  expect(r.code).toBe(2);
  expect(r.stdout).toBe('');
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^rollback-bot: cannot start\. /);
  expect(lines[0]).toContain('SLACK_BOT_TOKEN: required');
  expect(lines[0]).toContain('SLACK_SIGNING_SECRET: required in HTTP mode');
  expect(lines[0]).toContain(`ROLLBACK_CONFIG: cannot read ${join(dir, 'nowhere.yml')} (ENOENT)`);
  expect(lines[0]).toContain('docs/configuration.md "Environment"');
});

it('never echoes a malformed token, and suggests the key a config typo meant', async () => {
  const typo = join(dir, 'typo.yml');
  const config = unitConfig() as unknown as { environments: Record<string, { health: Record<string, unknown> }> };
  const env = Object.values(config.environments)[0];
  env.health = { ...env.health, retires: 3 };
  writeFileSync(typo, stringify(config));
  const r = await run({ ...(await baseEnv()), SLACK_BOT_TOKEN: 'not-a-token-5e1f', ROLLBACK_CONFIG: typo });
  expect(r.code).toBe(2);
  expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(r.stderr).toContain('SLACK_BOT_TOKEN: a bot token starting with xoxb-');
  expect(r.stderr).toContain('unknown key "retires" (did you mean "retries"?)');
  expect(r.stderr).not.toContain('not-a-token-5e1f');
});

it('stops with one line when Slack rejects the bot token (invalid_auth), without serving', async () => {
  slack.answerNext('auth.test', { ok: false, error: 'invalid_auth' });
  const r = await run(await baseEnv());
  expect(r.code).toBe(2);
  expect(r.stderr.trimEnd().split('\n')).toEqual([
    'rollback-bot: Slack refused SLACK_BOT_TOKEN (invalid_auth): copy the token again from the app\'s settings page (README "Slack app setup")',
  ]);
  expect(r.stdout).not.toContain('taking Slack requests');
  expect(r.stdout + r.stderr).not.toContain(BOT_TOKEN);
});

it('starts when Slack is out of reach, saying it could not check the token', async () => {
  const env = { ...(await baseEnv()), SLACK_API_URL: `http://127.0.0.1:${await freePort()}/api/` };
  const started = Date.now();
  const child = spawn(process.execPath, [main], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: 'pipe' });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  try {
    for (;;) {
      const res = await fetch(`http://127.0.0.1:${env.PORT}/healthz`).catch(() => null);
      if (res?.ok) break;
      if (Date.now() - started > 30_000) throw new Error(`not serving:\n${out}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(out).toContain('could not check the Slack token');
  } finally {
    child.kill('SIGKILL');
  }
});

it('--help prints how to run it and exits 0', async () => {
  const r = await run({}, ['--help']);
  expect(r.code).toBe(0);
  expect(r.stdout).toContain('SLACK_BOT_TOKEN');
  expect(r.stdout).toContain('SLACK_APP_TOKEN');
  expect(r.stderr).toBe('');
});
