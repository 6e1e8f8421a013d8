/**
 * docs/production.md walked end to end on the test swarm, for each of the two stacks: scripts/walk-production-path.sh
 * clones the repository afresh and runs the page's own commands (the image tagged and pushed to the test registry,
 * the secrets, the config, `docker stack deploy` of deploy/stack.socket-mode.yml or deploy/stack.http.yml, the page's
 * checks), then a whole rollback runs through the deployed bot: over a Socket Mode connection to the local Socket Mode
 * server, and as signed HTTP requests. The container starts as root, as the stacks say, and the bot runs as uid 1000
 * with the Docker socket's group, found on the node. The HTTP stack then updates itself (`docker service update
 * --image`, as a release does) under its own update_config: it completes, and the new task takes requests. At the
 * end, the page's removal.
 *
 * The walk's override (the page's documented substitution) only adapts the stacks to a one-node test swarm: the host's
 * network (the fake Slack, the Socket Mode server and the test Postgres listen on 127.0.0.1), one replica, the test
 * Postgres instead of the stack's. Every name is the run's own: the swarm is shared.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { BOT_TOKEN, SIGNING_SECRET } from '../support/bot-harness';
import {
  BACKEND_IMAGE,
  createStack,
  freePort,
  REGISTRY,
  removeServices,
  requireSwarm,
  uniqueName,
  waitForVersion,
} from '../support/docker-env';
import { FakeSlack } from '../support/fake-slack';
import { FakeSocketMode } from '../support/fake-socket-mode';
import {
  dockerCli,
  dryRunThrough,
  helpThrough,
  IMAGE,
  overHttp,
  overSocket,
  requireImage,
  rollbackThrough,
  type SlackTransport,
} from '../support/image';
import { dropSchema, freshSchema, TEST_PG_URL } from '../support/postgres';
import { badDeploy, IC, ONCALL, type Stack, stackConfig } from '../support/scenario';
import { until } from '../support/wait';

jest.setTimeout(300_000);

const exec = promisify(execFile);
const docker = dockerCli;
const WALK = join(__dirname, '../../scripts/walk-production-path.sh');
const APP_TOKEN = 'xapp-1-A0APP-1-stack-walk-token';
type Variant = 'socket-mode' | 'http';

let slack: FakeSlack;
let socket: FakeSocketMode;
let services: Stack;
let dir: string;

/** One walk of docs/production.md: its names, its port, its database schema. */
interface Deployment {
  variant: Variant;
  /** The stack's name, and the prefix of its secrets and config (the page's `rollback`). */
  name: string;
  port: number;
  schema: string;
  channel: string;
  env: NodeJS.ProcessEnv;
}
const deployments: Deployment[] = [];

/** Runs the walk; fails with everything it printed. */
async function walk(d: Deployment, phase: 'deploy' | 'teardown' = 'deploy'): Promise<string> {
  const args = phase === 'teardown' ? [WALK, d.variant, 'teardown'] : [WALK, d.variant];
  try {
    const { stdout } = await exec('bash', args, { env: d.env, timeout: 240_000, maxBuffer: 16 << 20 });
    return stdout;
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(
      `the walk of docs/production.md (${d.variant}, ${phase}) failed: ${e.message}\n${e.stdout}\n${e.stderr}`,
    );
  }
}

/** What the page's removal leaves behind if the walk stopped half-way: the stack, its secrets, config and image tag. */
async function cleanUp(d: Deployment): Promise<void> {
  await docker(['stack', 'rm', d.name]).catch(() => undefined);
  const leftovers = async (kind: 'secret' | 'config') =>
    (await docker([kind, 'ls', '-q', '--filter', `name=${d.name}_`]).catch(() => '')).split('\n').filter(Boolean);
  await until(
    async () => {
      const left = [...(await leftovers('secret')), ...(await leftovers('config'))];
      for (const id of left) {
        await docker(['secret', 'rm', id]).catch(() => docker(['config', 'rm', id]).catch(() => undefined));
      }
      return left.length === 0;
    },
    `the stack ${d.name} and its secrets to be removed`,
    60_000,
    1000,
  );
  const tags = (await docker(['image', 'ls', '--format', '{{.Repository}}:{{.Tag}}'])).split('\n');
  const ours = tags.filter((t) => t.startsWith(`${REGISTRY}/${d.name}/`));
  if (ours.length > 0) await docker(['image', 'rm', ...ours]).catch(() => undefined);
}

/** Writes the test's config and the walk's override, and the environment the page's commands read. */
async function prepare(variant: Variant): Promise<Deployment> {
  const name = uniqueName(variant === 'http' ? 'walkhttp' : 'walksock');
  const d: Deployment = {
    variant,
    name,
    port: await freePort(),
    schema: freshSchema(variant === 'http' ? 'walkhttp' : 'walksock'),
    channel: variant === 'http' ? 'C0WALKHTTP' : 'C0WALKSOCKET',
    env: {},
  };
  deployments.push(d);
  const production = stackConfig(services, { environment: { channel: d.channel } });
  // A second environment for the dry run through the task a self-update starts.
  const config = {
    ...production,
    environments: {
      ...production.environments,
      qa: { ...production.environments.production, channel: `${d.channel}QA` },
    },
  };
  const configFile = join(dir, `${name}.config.yml`);
  writeFileSync(configFile, stringify(config));
  const secrets = [
    'rollback_slack_bot_token',
    'rollback_db',
    'rollback_postgres_password',
    variant === 'http' ? 'rollback_slack_signing_secret' : 'rollback_slack_app_token',
  ];
  const override = join(dir, `${name}.single-node.yml`);
  writeFileSync(
    override,
    stringify({
      version: '3.8',
      services: {
        bot: {
          environment: {
            SLACK_API_URL: slack.apiUrl,
            PORT: String(d.port),
            ROLLBACK_DB_SCHEMA: d.schema,
            ROLLBACK_REPLICAS: '1',
          },
          networks: ['hostnet'],
          // The stack's own check, run more often: a task counts as started only once healthy.
          healthcheck: { interval: '2s' },
          // The stack's 30 s update monitor would only make the page's `--detach=false` wait that long to call a
          // one-task service stable (the CLI watches for as long as the monitor says); every other update setting stays.
          deploy: { replicas: 1, update_config: { monitor: '2s' } },
        },
        // The test Postgres stands in (no Docker Hub here to pull PostgreSQL's image); its secret exists all the same.
        postgres: { image: `${BACKEND_IMAGE}:v1`, deploy: { replicas: 0 } },
      },
      networks: { hostnet: { external: true, name: 'host' } },
      secrets: Object.fromEntries(
        secrets.map((s) => [s, { external: true, name: s.replace(/^rollback_/, `${name}_`) }]),
      ),
    }),
  );
  d.env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    WALK_NAME: name,
    WALK_REGISTRY: `${REGISTRY}/${name}`,
    WALK_BUILT_IMAGE: IMAGE,
    WALK_OVERRIDE: override,
    WALK_DATABASE_URL: TEST_PG_URL,
    WALK_CONFIG: configFile,
    // The HTTP stack publishes this port on the node (mode: host): a free one, not the page's 3000.
    ROLLBACK_PORT: String(d.port),
    SLACK_BOT_TOKEN: BOT_TOKEN,
    ...(variant === 'http' ? { SLACK_SIGNING_SECRET: SIGNING_SECRET } : { SLACK_APP_TOKEN: APP_TOKEN }),
  };
  return d;
}

/** The bot's process in the stack's container, as the kernel sees it (the container itself starts as root). */
async function botProcess(d: Deployment): Promise<{ uid: string; groups: string[] }> {
  const container = await docker(['ps', '-q', '--filter', `label=com.docker.swarm.service.name=${d.name}_bot`]);
  const status = await docker(['exec', container.split('\n')[0], 'cat', '/proc/1/status']);
  return {
    uid: /^Uid:\s+(.*)$/m.exec(status)?.[1].split(/\s+/)[0] ?? '',
    groups: /^Groups:\s*(.*)$/m.exec(status)?.[1].trim().split(/\s+/) ?? [],
  };
}

beforeAll(async () => {
  await requireSwarm();
  await requireImage();
  services = await createStack('walk', 'v2');
  await waitForVersion(`http://127.0.0.1:${services.backendPort}/health`, 'v2');
  slack = new FakeSlack();
  await slack.start();
  socket = new FakeSocketMode(slack);
  await socket.start();
  dir = mkdtempSync(join(tmpdir(), 'rollback-walk-'));
});
afterAll(async () => {
  for (const d of deployments) {
    await cleanUp(d);
    await dropSchema(d.schema).catch(() => undefined);
  }
  await socket?.stop();
  await slack?.stop();
  await removeServices(services.backend, services.frontend);
  rmSync(dir, { recursive: true, force: true });
});

/** The checks every walked stack passes, whatever its mode: the bot runs unprivileged with the socket's group. */
async function expectRunsUnprivileged(d: Deployment): Promise<void> {
  const bot = await botProcess(d);
  expect(bot.uid).toBe('1000');
  expect(bot.groups).toContain(String(statSync('/var/run/docker.sock').gid));
}

describe('the Socket Mode stack (deploy/stack.socket-mode.yml), deployed from docs/production.md', () => {
  let d: Deployment;
  beforeAll(async () => {
    d = await prepare('socket-mode');
  });

  it("the page's commands deploy it from a fresh clone; /rollback help and a whole rollback run over the socket", async () => {
    const out = await walk(d);
    // The page's own checks ran: the task, /healthz and /readyz from inside it, the log line.
    expect(out).toMatch(/\/readyz 200/);
    expect(out).toMatch(/taking Slack requests.*"mode":"socket"|"mode":"socket".*taking Slack requests/);
    // No port is published: the bot reached Slack by itself.
    expect(await docker(['service', 'inspect', `${d.name}_bot`, '--format', '{{json .Endpoint.Ports}}'])).toMatch(
      /^(null|\[\])$/,
    );
    await expectRunsUnprivileged(d);
    await socket.waitForConnections(1, 30_000);
    const via: SlackTransport = overSocket(socket);
    expect(await helpThrough(via, slack, { channel: d.channel, user: ONCALL })).toContain('/rollback');

    await badDeploy(services);
    await rollbackThrough(via, slack, { channel: d.channel, requester: ONCALL, approver: IC });
    await waitForVersion(`http://127.0.0.1:${services.backendPort}/health`, 'v1');
  });

  it("the page's removal takes the stack, its secrets and its config away", async () => {
    await walk(d, 'teardown');
    expect(await docker(['stack', 'ls', '--format', '{{.Name}}'])).not.toMatch(new RegExp(`^${d.name}$`, 'm'));
    expect(await docker(['secret', 'ls', '-q', '--filter', `name=${d.name}_`])).toBe('');
    expect(await docker(['config', 'ls', '-q', '--filter', `name=${d.name}_`])).toBe('');
  });
});

describe('the HTTP stack (deploy/stack.http.yml), deployed from docs/production.md', () => {
  let d: Deployment;
  let baseUrl: string;
  beforeAll(async () => {
    d = await prepare('http');
    baseUrl = `http://127.0.0.1:${d.port}`;
  });

  it("the page's commands deploy it from a fresh clone; signed requests run /rollback help and a whole rollback", async () => {
    const out = await walk(d);
    expect(out).toMatch(/\/readyz 200/);
    expect(out).toMatch(/taking Slack requests.*"mode":"http"|"mode":"http".*taking Slack requests/);
    await expectRunsUnprivileged(d);
    // The stack's health check (liveness, /healthz) survived the override and passes.
    expect(
      await docker([
        'service',
        'inspect',
        `${d.name}_bot`,
        '--format',
        '{{json .Spec.TaskTemplate.ContainerSpec.Healthcheck}}',
      ]),
    ).toMatch(/"Test":\["CMD","node","-e",".*\/healthz.*"Interval":2000000000/);
    await until(
      async () =>
        (
          await docker([
            'ps',
            '--filter',
            `label=com.docker.swarm.service.name=${d.name}_bot`,
            '--format',
            '{{.Status}}',
          ])
        ).includes('(healthy)'),
      "the stack's health check to pass",
      60_000,
      1000,
    );
    const via = overHttp(baseUrl);
    expect(await helpThrough(via, slack, { channel: d.channel, user: ONCALL })).toContain('/rollback');

    await badDeploy(services);
    await rollbackThrough(via, slack, { channel: d.channel, requester: ONCALL, approver: IC });
    await waitForVersion(`http://127.0.0.1:${services.backendPort}/health`, 'v1');
  });

  it('updates itself: `docker service update --image` of its own stack completes, and the new task takes requests', async () => {
    // moby #40797: max_replicas_per_node with start-first on as many nodes as replicas leaves the new task Pending.
    const service = `${d.name}_bot`;
    // The stack's update_config, with only the monitor shortened by the override.
    expect(
      JSON.parse(await docker(['service', 'inspect', service, '--format', '{{json .Spec.UpdateConfig}}'])),
    ).toMatchObject({ Parallelism: 1, Order: 'stop-first', FailureAction: 'rollback', Monitor: 2_000_000_000 });
    const current = await docker([
      'service',
      'inspect',
      service,
      '--format',
      '{{.Spec.TaskTemplate.ContainerSpec.Image}}',
    ]);
    // The image a release would bring: the same build under a new tag, so that the service's spec changes.
    const next = `${REGISTRY}/${d.name}/rollback-bot:next`;
    await docker(['tag', current.replace(/@sha256:.*$/, ''), next]);
    await docker(['push', next]);
    const tasks = () =>
      docker([
        'service',
        'ps',
        service,
        '--no-trunc',
        '--format',
        '{{.Name}} {{.Image}} {{.DesiredState}} {{.CurrentState}} {{.Error}}',
      ]);
    // The stack's update_config as it is (order, parallelism, failure action), without the pause after each task and
    // with a shorter watch after the last one: with one task, they would only add 40 s here.
    await docker([
      'service',
      'update',
      '--detach',
      '--update-delay',
      '0s',
      '--update-monitor',
      '2s',
      '--image',
      next,
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
        if (/paused|rollback/.test(state)) throw new Error(`the update ended ${state}: ${await tasks()}`);
        return state === 'completed';
      },
      `the update to complete (tasks: ${service})`,
      90_000,
      500,
    ).catch(async (err: Error) => {
      throw new Error(`${err.message}\n${await tasks()}`);
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
    expect(running.split('\n')).toHaveLength(1);
    expect(running).toContain(next);
    await until(
      async () => (await fetch(`${baseUrl}/readyz`).catch(() => null))?.ok,
      'the updated bot to be ready',
      60_000,
      500,
    );
    await dryRunThrough(baseUrl, slack, { environment: 'qa', channel: `${d.channel}QA`, user: ONCALL });
  });

  it("the page's removal takes the stack, its secrets and its config away", async () => {
    await walk(d, 'teardown');
    expect(await docker(['stack', 'ls', '--format', '{{.Name}}'])).not.toMatch(new RegExp(`^${d.name}$`, 'm'));
    expect(await docker(['secret', 'ls', '-q', '--filter', `name=${d.name}_`])).toBe('');
    expect(await docker(['config', 'ls', '-q', '--filter', `name=${d.name}_`])).toBe('');
  });
});
