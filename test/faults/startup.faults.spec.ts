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
import { FakeSocketMode } from '../support/fake-socket-mode';
import { unitConfig } from '../support/fakes';
import { until } from '../support/wait';

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

/** The log messages (pino's `msg`) among the lines the bot wrote. */
const messages = (out: string): string[] =>
  out
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => String((JSON.parse(l) as { msg?: unknown }).msg));

it('starts when Slack is out of reach, saying where it listens and which call could not reach which host', async () => {
  const slackPort = await freePort();
  const env = { ...(await baseEnv()), SLACK_API_URL: `http://127.0.0.1:${slackPort}/api/` };
  const child = spawn(process.execPath, [main], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: 'pipe' });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  try {
    await until(
      async () => (await fetch(`http://127.0.0.1:${env.PORT}/readyz`).catch(() => null))?.ok,
      'ready',
      30_000,
    );
    const said = messages(out);
    expect(said).toContain(
      `listening on http://0.0.0.0:${env.PORT} — POST /slack/events, GET /healthz /readyz /metrics, /api/v1/… ` +
        '(/metrics is off: set ROLLBACK_METRICS_TOKEN)',
    );
    expect(said.join('\n')).toMatch(
      new RegExp(
        `could not check SLACK_BOT_TOKEN: cannot reach 127\\.0\\.0\\.1:${slackPort} \\(auth\\.test\\): .*ECONNREFUSED`,
      ),
    );
    expect(out).not.toContain('http request failed');
  } finally {
    child.kill('SIGKILL');
  }
});

it('Socket Mode with Slack out of reach: alive at once, not ready naming Slack, ready once Slack answers', async () => {
  const slackPort = await freePort();
  const env = {
    ...(await baseEnv()),
    SLACK_API_URL: `http://127.0.0.1:${slackPort}/api/`,
    SLACK_APP_TOKEN: 'xapp-1-A0APP-1-startup-unreachable-test',
  };
  const started = Date.now();
  const child = spawn(process.execPath, [main], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: 'pipe' });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const base = `http://127.0.0.1:${env.PORT}`;
  const later = new FakeSlack();
  const socket = new FakeSocketMode(later);
  try {
    // Liveness: the process answers as soon as its port is bound, whatever Slack does.
    const health = await until(() => fetch(`${base}/healthz`).catch(() => null), '/healthz', 3000, 50);
    expect(health.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(3000);
    // Readiness says what it waits for, and names the host and the call it tried.
    const reason = await until(
      async () => {
        const res = await fetch(`${base}/readyz`);
        expect(res.status).toBe(503);
        const r = ((await res.json()) as { reason: string }).reason;
        return r.includes('cannot reach') && r;
      },
      'a reason naming Slack',
      20_000,
      100,
    );
    expect(reason).toMatch(
      new RegExp(`^not connected to Slack: cannot reach 127\\.0\\.0\\.1:${slackPort} \\(apps\\.connections\\.open\\)`),
    );
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const said = messages(out).join('\n');
    expect(said).toContain(`listening on http://0.0.0.0:${env.PORT} — GET /healthz /readyz /metrics, /api/v1/…`);
    expect(said).toMatch(
      new RegExp(
        `cannot reach 127\\.0\\.0\\.1:${slackPort} \\(apps\\.connections\\.open\\): .*ECONNREFUSED.*, retrying in \\d+ s`,
      ),
    );
    expect(out).not.toContain('http request failed');
    expect(child.exitCode).toBeNull();

    // Slack comes back where the bot was told it is: the bot connects and is ready, with no restart.
    await later.start(slackPort);
    await socket.start();
    await until(async () => (await fetch(`${base}/readyz`)).ok, 'ready once Slack answers', 40_000, 200);
    expect(socket.connections).toBe(1);
    expect(messages(out)).toContain('taking Slack requests');
  } finally {
    child.kill('SIGKILL');
    await socket.stop();
    await later.stop().catch(() => undefined);
  }
});

it('--help prints how to run it and exits 0', async () => {
  const r = await run({}, ['--help']);
  expect(r.code).toBe(0);
  expect(r.stdout).toContain('SLACK_BOT_TOKEN');
  expect(r.stdout).toContain('SLACK_APP_TOKEN');
  expect(r.stderr).toBe('');
});
