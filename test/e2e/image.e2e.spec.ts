/**
 * The container image, built from the project's Dockerfile (scripts/setup-image.sh builds it offline) and run against
 * the test swarm and the fake Slack: healthy by /healthz and by Docker's HEALTHCHECK, a signed request gets a card
 * (Step 1 for real through the mounted Docker socket), the process is not root, SIGTERM stops it within 10 s, and a
 * missing token is a message naming it and a non-zero exit.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { configSchema } from '../../src/config/config.schema';
import { BOT_TOKEN, SIGNING_SECRET } from '../support/bot-harness';
import {
  BACKEND_IMAGE,
  createService,
  freePort,
  removeServices,
  requireSwarm,
  uniqueName,
  waitForVersion,
} from '../support/docker-env';
import { FakeSlack } from '../support/fake-slack';
import { dockerCli, dryRunThrough, IMAGE, requireImage } from '../support/image';
import { until } from '../support/wait';

jest.setTimeout(180_000);

const exec = promisify(execFile);
const ONCALL = 'U0ONCALL';
const CHANNEL = 'C0IMAGE';
const docker = (...args: string[]) => dockerCli(args);

let slack: FakeSlack;
let backend: string;
let backendPort: number;
let dir: string;
let container = '';
let port: number;

beforeAll(async () => {
  await requireSwarm();
  await requireImage();
  backend = uniqueName('image');
  backendPort = await freePort();
  await createService(backend, `${BACKEND_IMAGE}:v2`, backendPort);
  await waitForVersion(`http://127.0.0.1:${backendPort}/health`, 'v2');
});
afterAll(() => removeServices(backend));

beforeEach(async () => {
  slack = new FakeSlack();
  await slack.start();
  dir = mkdtempSync(join(tmpdir(), 'rollback-image-'));
  const config = configSchema.parse({
    roles: { incident_commanders: { users: ['U0IC'] }, on_call: { users: [ONCALL] } },
    environments: {
      production: {
        channel: CHANNEL,
        strategy: 'docker',
        health: { url: `http://127.0.0.1:${backendPort}/health`, retries: 1, timeout_ms: 2000 },
        services: [{ name: 'backend', docker_service: backend, image: BACKEND_IMAGE }],
      },
    },
  });
  writeFileSync(join(dir, 'rollback.config.yml'), stringify(config));
  port = await freePort();
});
afterEach(async () => {
  if (container) await docker('rm', '-f', container).catch(() => undefined);
  container = '';
  await slack.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs the image as the README says: the config mounted, the Docker socket mounted with its group added. */
const run = (env: Record<string, string>, extra: string[] = []) =>
  docker(
    'run',
    '-d',
    '--network',
    'host',
    ...Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]),
    '-v',
    `${join(dir, 'rollback.config.yml')}:/config/rollback.config.yml:ro`,
    '-v',
    '/var/run/docker.sock:/var/run/docker.sock',
    '--group-add',
    String(statSync('/var/run/docker.sock').gid),
    ...extra,
    IMAGE,
  );

const botEnv = () => ({
  SLACK_BOT_TOKEN: BOT_TOKEN,
  SLACK_SIGNING_SECRET: SIGNING_SECRET,
  SLACK_API_URL: slack.apiUrl,
  PORT: String(port),
});

it('runs healthy as a non-root user, posts a card for a signed request, and stops on SIGTERM within 10 s', async () => {
  // Docker's HEALTHCHECK as the Dockerfile defines it, checked every second here instead of every 30 s.
  container = await run(botEnv(), ['--health-interval', '1s', '--health-start-period', '1s']);
  await until(
    async () => (await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => null))?.ok,
    'the bot in the container to answer /healthz',
    60_000,
  );
  await until(
    async () => (await docker('inspect', '--format', '{{.State.Health.Status}}', container)) === 'healthy',
    "Docker's HEALTHCHECK to say healthy",
    30_000,
  );
  expect(await docker('exec', container, 'id', '-u')).toBe('1000');
  // /healthz is liveness (200 from the moment the port is bound); Slack's requests are taken once it is ready.
  await until(
    async () => (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => null))?.ok,
    'the bot in the container to be ready',
    60_000,
  );

  await dryRunThrough(`http://127.0.0.1:${port}`, slack, { environment: 'production', channel: CHANNEL, user: ONCALL });
  // Step 1 read the service through the mounted socket: the card names the running version.
  await slack.waitFor(
    () =>
      slack
        .callsOf('chat.update')
        .find((c) => c.args.channel === CHANNEL && JSON.stringify(c.args.blocks ?? '').includes('v2')),
    'a card showing what Step 1 found',
    60_000,
  );

  const started = Date.now();
  await docker('stop', '--time', '15', container);
  expect(Date.now() - started).toBeLessThan(10_000);
  expect(await docker('inspect', '--format', '{{.State.ExitCode}}', container)).toBe('0');
});

it('exits with a clear message naming the missing token, and no stack trace', async () => {
  const { SLACK_BOT_TOKEN: _token, ...rest } = botEnv();
  container = await run(rest);
  await until(
    async () => (await docker('inspect', '--format', '{{.State.Status}}', container)) === 'exited',
    'the container to exit',
    30_000,
  );
  expect(await docker('inspect', '--format', '{{.State.ExitCode}}', container)).toBe('2');
  const { stdout, stderr } = await exec('docker', ['logs', container]);
  const text = `${stdout}${stderr}`.trim();
  // What is wrong, named, and nothing else: no stack trace, no log noise.
  expect(text.split('\n')).toHaveLength(1);
  expect(text).toMatch(/^rollback-bot: cannot start\. environment variables are invalid: SLACK_BOT_TOKEN: required\. /);
});
