/**
 * The bot deployed on the test swarm with the project's own stack file (deploy/stack.yml): its secrets and config as
 * Docker secrets and a Docker config, the image built from the Dockerfile, ready (/readyz: its Postgres answers) and
 * taking signed requests that get cards. The test's override only adapts the file to a single-node test swarm: the
 * host's network (the fake Slack and the test Postgres listen on 127.0.0.1), one replica (the stack places one per
 * manager node, on the node's port), and the test Postgres instead of the stack's. Then the stack updates itself
 * (`docker service update --image`, as a release does) under its own update_config: it completes, and the new task
 * takes requests. The stack, its secrets and its config have names of their own, as the swarm is shared.
 */
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
import { dropSchema, freshSchema, TEST_PG_URL } from '../support/postgres';
import { until } from '../support/wait';

jest.setTimeout(240_000);

const STACK = uniqueName('stack');
/** The stack file's secret names; on the swarm each gets this run's own name (the override maps them). */
const SECRETS = [
  'rollback_slack_bot_token',
  'rollback_slack_signing_secret',
  'rollback_db',
  'rollback_postgres_password',
];
const CONFIG = 'rollback_config';
const onSwarm = (name: string) => `${STACK}_${name}`;
/** The image a release would bring: the same build under a new tag, so that the service's spec changes. */
const NEXT_IMAGE = `${IMAGE.replace(/:[^:/]*$/, '')}:${STACK}`;
const ONCALL = 'U0ONCALL';
const CHANNEL = 'C0STACK';
const docker = dockerCli;

let slack: FakeSlack;
let backend: string;
let backendPort: number;
let dir: string;
let schema: string;
/** The port the stack's bot listens on (the host's network). */
let port: number;

/** The service's tasks as `docker service ps` shows them, with their errors (a Pending task says why). */
const tasks = (service: string) =>
  docker([
    'service',
    'ps',
    service,
    '--no-trunc',
    '--format',
    '{{.Name}} {{.Image}} {{.DesiredState}} {{.CurrentState}} {{.Error}}',
  ]);

/** Removes the stack, then its secrets and config once no task uses them. */
async function cleanUp(): Promise<void> {
  await docker(['stack', 'rm', STACK]).catch(() => undefined);
  await until(
    async () => {
      const left = await Promise.all(
        [...SECRETS.map((s) => ['secret', 'rm', onSwarm(s)]), ['config', 'rm', onSwarm(CONFIG)]].map((args) =>
          docker(args).then(
            () => true,
            (err: { stderr?: string }) => /not found|No such/i.test(err.stderr ?? ''),
          ),
        ),
      );
      return left.every(Boolean);
    },
    'the stack and its secrets to be removed',
    60_000,
    500,
  );
}

beforeAll(async () => {
  await requireSwarm();
  await requireImage();
  await cleanUp();
  backend = uniqueName('stack');
  backendPort = await freePort();
  await createService(backend, `${BACKEND_IMAGE}:v2`, backendPort);
  await waitForVersion(`http://127.0.0.1:${backendPort}/health`, 'v2');
  slack = new FakeSlack();
  await slack.start();
  dir = mkdtempSync(join(tmpdir(), 'rollback-stack-'));
  schema = freshSchema('stack');
});
afterAll(async () => {
  await cleanUp();
  await docker(['image', 'rm', NEXT_IMAGE]).catch(() => undefined);
  await slack?.stop();
  await removeServices(backend);
  await dropSchema(schema);
  rmSync(dir, { recursive: true, force: true });
});

it('deploys ready and healthy, and signed requests through it get cards', async () => {
  // Two environments on the one test service: a request through each replica, neither refused by the other's lock.
  const environment = (channel: string) => ({
    channel,
    strategy: 'docker',
    health: { url: `http://127.0.0.1:${backendPort}/health`, retries: 1, timeout_ms: 2000 },
    services: [{ name: 'backend', docker_service: backend, image: BACKEND_IMAGE }],
  });
  const config = configSchema.parse({
    roles: { incident_commanders: { users: ['U0IC'] }, on_call: { users: [ONCALL] } },
    environments: {
      production: environment(CHANNEL),
      staging: environment(`${CHANNEL}2`),
      // Taken by the task that the stack's own update starts.
      qa: environment(`${CHANNEL}3`),
    },
  });
  writeFileSync(join(dir, 'rollback.config.yml'), stringify(config));
  const secrets: Record<string, string> = {
    rollback_slack_bot_token: BOT_TOKEN,
    rollback_slack_signing_secret: SIGNING_SECRET,
    rollback_db: TEST_PG_URL,
    // The stack's own Postgres is not started here (the test Postgres stands in), but its secret must exist.
    rollback_postgres_password: 'unused-in-this-test',
  };
  for (const [name, value] of Object.entries(secrets)) {
    writeFileSync(join(dir, name), value);
    await docker(['secret', 'create', onSwarm(name), join(dir, name)]);
  }
  await docker(['config', 'create', onSwarm(CONFIG), join(dir, 'rollback.config.yml')]);
  port = await freePort();
  writeFileSync(
    join(dir, 'single-node.yml'),
    stringify({
      version: '3.8',
      services: {
        bot: {
          environment: {
            SLACK_API_URL: slack.apiUrl,
            PORT: String(port),
            ROLLBACK_DB_SCHEMA: schema,
          },
          networks: ['hostnet'],
          // The stack's own check, run more often: a task counts as started only once healthy.
          healthcheck: { interval: '2s' },
          deploy: { replicas: 1 },
        },
        postgres: { deploy: { replicas: 0 } },
      },
      networks: { hostnet: { external: true, name: 'host' } },
      secrets: Object.fromEntries(SECRETS.map((s) => [s, { external: true, name: onSwarm(s) }])),
      configs: { [CONFIG]: { external: true, name: onSwarm(CONFIG) } },
    }),
  );
  await docker(
    [
      'stack',
      'deploy',
      '--resolve-image',
      'never',
      '-c',
      'deploy/stack.yml',
      '-c',
      join(dir, 'single-node.yml'),
      STACK,
    ],
    { ROLLBACK_IMAGE: IMAGE, DOCKER_GID: String(statSync('/var/run/docker.sock').gid) },
  );

  await until(
    async () => (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => null))?.ok,
    'the bot to be ready',
    120_000,
    500,
  );
  const running = await docker(['service', 'ps', `${STACK}_bot`, '--filter', 'desired-state=running', '-q']);
  expect(running.split('\n')).toHaveLength(1);
  // The stack's health check (liveness, /healthz) passes too.
  expect(
    await docker([
      'service',
      'inspect',
      `${STACK}_bot`,
      '--format',
      '{{json .Spec.TaskTemplate.ContainerSpec.Healthcheck}}',
    ]),
  ).toMatch(/"Test":\["CMD","node","-e",".*\/healthz.*"Interval":2000000000/);
  await until(
    async () =>
      (
        await docker(['ps', '--filter', `label=com.docker.swarm.service.name=${STACK}_bot`, '--format', '{{.Status}}'])
      ).includes('(healthy)'),
    "the stack's health check to pass",
    60_000,
    1000,
  );

  // The card in each environment's channel, and the requester's private answer.
  await dryRunThrough(`http://127.0.0.1:${port}`, slack, { environment: 'production', channel: CHANNEL, user: ONCALL });
  await dryRunThrough(`http://127.0.0.1:${port}`, slack, {
    environment: 'staging',
    channel: `${CHANNEL}2`,
    user: ONCALL,
  });
});

it('updates itself: `docker service update --image` of its own stack completes, and the new task takes requests', async () => {
  // moby #40797: max_replicas_per_node with start-first on as many nodes as replicas leaves the new task Pending.
  const service = `${STACK}_bot`;
  await docker(['tag', IMAGE, NEXT_IMAGE]);
  // The stack's update_config as it is (order, parallelism, failure action), without the pause after each task and
  // with a shorter watch after the last one: with one task, they would only add 40 s here.
  await docker([
    'service',
    'update',
    '--detach',
    '--no-resolve-image',
    '--update-delay',
    '0s',
    '--update-monitor',
    '2s',
    '--image',
    NEXT_IMAGE,
    service,
  ]);
  await until(
    async () => {
      const state = await docker([
        'service',
        'inspect',
        service,
        '--format',
        '{{if .UpdateStatus}}{{.UpdateStatus.State}}{{end}}',
      ]);
      if (/paused|rollback/.test(state)) throw new Error(`the update ended ${state}: ${await tasks(service)}`);
      return state === 'completed';
    },
    `the update to complete (tasks: ${service})`,
    90_000,
    500,
  ).catch(async (err: Error) => {
    throw new Error(`${err.message}\n${await tasks(service)}`);
  });
  const running = await docker([
    'service',
    'ps',
    service,
    '--filter',
    'desired-state=running',
    '--format',
    '{{.Image}}',
  ]);
  expect(running.split('\n')).toEqual([NEXT_IMAGE]);
  await until(
    async () => (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => null))?.ok,
    'the updated bot to be ready',
    60_000,
    500,
  );
  await dryRunThrough(`http://127.0.0.1:${port}`, slack, { environment: 'qa', channel: `${CHANNEL}3`, user: ONCALL });
});
