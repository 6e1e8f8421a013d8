/**
 * Option A's adapter against real processes: the fixture scripts in test/fixtures/deploy, run without a shell, with
 * their output kept in full, and a timeout that stops the whole process group.
 */
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ProcessScriptRunner, scriptEnvironment } from '../../src/adapters/process/process.script-runner';
import { isCoded } from '../../src/domain/errors';
import type { ScriptSpec } from '../../src/ports';

const FIXTURES = path.resolve(__dirname, '../fixtures/deploy');
const runner = new ProcessScriptRunner();
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'script-runner-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const spec = (script: string, over: Partial<ScriptSpec> = {}): ScriptSpec => ({
  command: path.join(FIXTURES, script),
  args: [],
  cwd: dir,
  env: { ROLLBACK_OUTPUT_DIR: dir, ROLLBACK_ENVIRONMENT: 'production', ROLLBACK_VERSION: 'v1' },
  timeoutMs: 30_000,
  killGraceMs: 500,
  outputFile: path.join(dir, 'out', 'deploy.log'),
  ...over,
});

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

it('passes every argument as one argument, shell metacharacters included, and exits 0', async () => {
  const args = ['--version', 'v1; touch pwned', '$(touch pwned2)', 'a b', '`id`', "it's"];
  const lines: string[] = [];
  let pid = 0;
  const outcome = await runner.run(
    spec('deploy-ok.sh', { args, onLine: (l) => lines.push(l), onStart: (p) => (pid = p) }),
  );
  expect(outcome).toMatchObject({ exitCode: 0, signal: null, timedOut: false, lines: 3 });
  expect(pid).toBeGreaterThan(0);
  expect(readFileSync(path.join(dir, 'argv'), 'utf8')).toBe(`${args.join('\n')}\n`);
  expect(existsSync(path.join(dir, 'pwned'))).toBe(false);
  expect(existsSync(path.join(dir, 'pwned2'))).toBe(false);
  expect(lines).toEqual(
    expect.arrayContaining(['deploy.sh: rolling back production to v1', 'pulling images', 'services updated']),
  );
  expect(
    readFileSync(path.join(dir, 'out', 'deploy.log'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .sort(),
  ).toEqual(['deploy.sh: rolling back production to v1', 'pulling images', 'services updated']);
});

it('reports a non-zero exit code with the output on both streams kept', async () => {
  const outcome = await runner.run(spec('deploy-fail.sh'));
  expect(outcome).toMatchObject({ exitCode: 3, timedOut: false, lines: 3 });
  expect(readFileSync(path.join(dir, 'out', 'deploy.log'), 'utf8')).toContain(
    'ERROR: app-backend did not become healthy (migration lock held)',
  );
});

it('stops a script that runs past its timeout, and everything it started, even when it ignores SIGTERM', async () => {
  const started = Date.now();
  const outcome = await runner.run(spec('deploy-hang.sh', { timeoutMs: 1000, killGraceMs: 500 }));
  expect(outcome.timedOut).toBe(true);
  expect(outcome.signal).toBe('SIGKILL');
  expect(Date.now() - started).toBeLessThan(10_000);
  const child = Number(readFileSync(path.join(dir, 'child.pid'), 'utf8'));
  expect(child).toBeGreaterThan(0);
  // The background child was in the script's process group: SIGKILL reached it too.
  for (let i = 0; i < 50 && alive(child); i++) await new Promise((r) => setTimeout(r, 100));
  expect(alive(child)).toBe(false);
  expect(readFileSync(path.join(dir, 'out', 'deploy.log'), 'utf8')).toContain('timed out after 1000 ms');
});

it('keeps all of a noisy script’s output in the file', async () => {
  let seen = 0;
  const outcome = await runner.run(spec('deploy-noisy.sh', { onLine: () => seen++ }));
  expect(outcome).toMatchObject({ exitCode: 0, lines: 5001 });
  expect(seen).toBe(5001);
  const file = readFileSync(path.join(dir, 'out', 'deploy.log'), 'utf8')
    .split('\n')
    .filter(Boolean);
  expect(file).toHaveLength(5001);
  expect(file[4999]).toBe('step 5000 of 5000: copying layer sha256:5000');
});

it("does not hand the bot's secrets to the script", async () => {
  const saved = { ...process.env };
  Object.assign(process.env, {
    SLACK_BOT_TOKEN: 'xoxb-should-not-leak',
    SLACK_SIGNING_SECRET: 'nope',
    GITHUB_TOKEN: 'ghp_nope',
    HARMLESS: 'yes',
  });
  try {
    await runner.run(
      spec('deploy-ok.sh', {
        env: {
          ROLLBACK_OUTPUT_DIR: dir,
          ROLLBACK_ENVIRONMENT: 'production',
          ROLLBACK_VERSION: 'v1',
          DEPLOY_TOKEN: 'configured-on-purpose',
        },
      }),
    );
  } finally {
    for (const k of ['SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET', 'GITHUB_TOKEN', 'HARMLESS']) delete process.env[k];
    Object.assign(process.env, saved);
  }
  const env = readFileSync(path.join(dir, 'env'), 'utf8');
  expect(env).toContain('HARMLESS=yes');
  expect(env).toContain('DEPLOY_TOKEN=configured-on-purpose');
  expect(env).not.toMatch(/SLACK_BOT_TOKEN|SLACK_SIGNING_SECRET|GITHUB_TOKEN/);
  expect(scriptEnvironment({}, { PATH: '/bin', AWS_SECRET_ACCESS_KEY: 'x', PAGERDUTY_ROUTING_KEY: 'y' })).toEqual({
    PATH: '/bin',
  });
});

it("strips the bot's own settings, secret files, database URLs and SaaS keys from a real script's environment (issue 22)", async () => {
  const CI_TOKEN = 'ci-token-7f3a9c1e5b2d4f60';
  const botEnv: Record<string, string> = {
    ROLLBACK_DB: 'postgres://rollback:db-pass-91c2@db.internal:5432/rollback',
    DATABASE_URL: 'postgres://rollback:db-pass-91c2@db.internal:5432/rollback',
    ROLLBACK_DB_CA_FILE: '/run/secrets/db_ca',
    ROLLBACK_CONFIG: '/etc/rollback/rollback.config.yml',
    SLACK_BOT_TOKEN_FILE: '/run/secrets/slack_bot_token',
    PAGERDUTY_INTEGRATION_KEY: 'pd-integration-0a1b2c3d',
    PAGERDUTY_API_URL: 'https://events.pagerduty.com',
    GITHUB_APP_ID: '123456',
    GH_ENTERPRISE_TOKEN: 'ghe-token-aaaa',
    SENTRY_DSN: 'https://abc123@o1.ingest.sentry.io/42',
    HTTPS_PROXY: 'http://proxyuser:proxy-pass-55@proxy.internal:3128',
    DOCKER_AUTH_CONFIG: '{"auths":{}}',
    // Named like nothing secret, but its value is one of the config's secrets (`api.tokens: {ci: ${CI_BEARER}}`).
    CI_BEARER: CI_TOKEN,
    // What a deploy script needs from the bot's environment.
    DOCKER_HOST: 'tcp://manager.internal:2376',
    HARMLESS: 'yes',
    TZ: 'UTC',
  };
  const saved = { ...process.env };
  Object.assign(process.env, botEnv);
  try {
    await new ProcessScriptRunner({ secrets: [CI_TOKEN] }).run(
      spec('deploy-ok.sh', {
        env: { ROLLBACK_OUTPUT_DIR: dir, ROLLBACK_ENVIRONMENT: 'production', ROLLBACK_VERSION: 'v1', DEPLOY_KEY: 'k' },
      }),
    );
  } finally {
    for (const k of Object.keys(botEnv)) delete process.env[k];
    Object.assign(process.env, saved);
  }
  // What the child process really received (`env` in the script).
  const received = Object.fromEntries(
    readFileSync(path.join(dir, 'env'), 'utf8')
      .split('\n')
      .filter((l) => /^[A-Za-z_][A-Za-z0-9_]*=/.test(l))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
  const leaked = Object.keys(botEnv).filter((k) => k in received && !['DOCKER_HOST', 'HARMLESS', 'TZ'].includes(k));
  expect(leaked).toEqual([]);
  expect(received).toMatchObject({
    PATH: process.env.PATH,
    DOCKER_HOST: 'tcp://manager.internal:2376',
    HARMLESS: 'yes',
    TZ: 'UTC',
    // What the config sets for the script on purpose is passed, whatever its name.
    DEPLOY_KEY: 'k',
    ROLLBACK_OUTPUT_DIR: dir,
    ROLLBACK_VERSION: 'v1',
  });
  const all = readFileSync(path.join(dir, 'env'), 'utf8');
  for (const secret of ['db-pass-91c2', 'pd-integration-0a1b2c3d', 'ghe-token-aaaa', 'proxy-pass-55', CI_TOKEN])
    expect(all).not.toContain(secret);
  // Names that only look alike, and a proxy without credentials, are passed on.
  const harmless = { GIT_AUTHOR_NAME: 'ci', HOME: '/home/bot', LANG: 'C.UTF-8', HTTP_PROXY: 'http://proxy:3128' };
  expect(scriptEnvironment({}, harmless, [CI_TOKEN])).toEqual(harmless);
});

describe('check()', () => {
  it('resolves a runnable script relative to the working directory', async () => {
    expect(await runner.check('../fixtures/deploy/deploy-ok.sh', path.resolve(__dirname))).toBe(
      path.join(FIXTURES, 'deploy-ok.sh'),
    );
    expect(await runner.check('sh', dir)).toMatch(/\/sh$/);
  });

  it.each([
    ['missing', () => './nope.sh', 'the deploy script cannot be found'],
    [
      'not executable',
      () => {
        writeFileSync(path.join(dir, 'plain.sh'), '#!/bin/sh\n');
        chmodSync(path.join(dir, 'plain.sh'), 0o644);
        return './plain.sh';
      },
      'is not executable (chmod +x)',
    ],
    ['a directory', () => '.', 'is not a file'],
    ['not on the PATH', () => 'no-such-deploy-tool', 'no-such-deploy-tool is not on the PATH'],
  ])('says why a script is %s', async (_what, make, message) => {
    const err = await runner.check(make(), dir).then(
      () => null,
      (e: unknown) => e,
    );
    expect(isCoded(err, 'SCRIPT_NOT_RUNNABLE')).toBe(true);
    expect((err as Error).message).toContain(message);
  });
});
