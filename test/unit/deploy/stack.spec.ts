/**
 * The shipped stack files' promises that the single-node stack end-to-end test cannot show: what Swarm's health check
 * asks (a database blip must not get every replica killed), that an update can place its new task when every node
 * already runs one, that PostgreSQL stays with its data, that nothing in them holds for the deploying node only, and
 * that the two variants (Socket Mode, HTTP) differ only where the modes do. test/e2e/stack.e2e.spec.ts deploys both
 * from docs/production.md's own commands and runs a rollback through them.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

interface Service {
  image?: string;
  user?: string;
  environment?: Record<string, string>;
  secrets?: string[];
  healthcheck?: { test?: string[] };
  ports?: Array<{ target?: number; published?: number | string; mode?: string }>;
  deploy?: {
    replicas?: number;
    placement?: { constraints?: string[]; max_replicas_per_node?: number };
    update_config?: { order?: string };
    rollback_config?: { order?: string };
    resources?: { limits?: { memory?: string }; reservations?: { memory?: string } };
  };
}
interface Stack {
  services: Record<string, Service>;
  networks?: Record<string, { driver?: string; driver_opts?: Record<string, string> }>;
  secrets?: Record<string, { external?: boolean }>;
  configs?: Record<string, { external?: boolean; name?: string }>;
}

const file = (name: string) => readFileSync(join(__dirname, '../../../deploy', name), 'utf8');
const VARIANTS = { 'Socket Mode': 'stack.socket-mode.yml', HTTP: 'stack.http.yml' } as const;
const stacks = Object.fromEntries(Object.entries(VARIANTS).map(([v, f]) => [v, parse(file(f)) as Stack])) as Record<
  keyof typeof VARIANTS,
  Stack
>;

describe.each(Object.keys(VARIANTS) as Array<keyof typeof VARIANTS>)('the %s stack', (variant) => {
  const stack = stacks[variant];
  const bot = stack.services.bot;

  it("Swarm's health check is liveness (/healthz), never readiness (/readyz)", () => {
    const check = (bot.healthcheck?.test ?? []).join(' ');
    expect(check).toContain('/healthz');
    expect(check).not.toContain('/readyz');
  });

  it('an update stops a task before starting its replacement when a node can hold only one (moby #40797)', () => {
    expect(bot.deploy?.placement?.max_replicas_per_node).toBe(1);
    expect(bot.deploy?.update_config?.order).toBe('stop-first');
    expect(bot.deploy?.rollback_config?.order).toBe('stop-first');
  });

  it('PostgreSQL is pinned to the labelled node that holds its volume, and its traffic is encrypted between nodes', () => {
    expect(stack.services.postgres.deploy?.replicas).toBe(1);
    expect(stack.services.postgres.deploy?.placement?.constraints).toEqual(['node.labels.rollback.postgres == true']);
    expect(stack.networks?.default).toEqual({ driver: 'overlay', driver_opts: { encrypted: 'true' } });
  });

  it("holds nothing read on the deploying node only: the socket's group is found on each node at start", () => {
    expect(file(VARIANTS[variant])).not.toMatch(/DOCKER_GID/);
    // Root only until the image's entry point has read the socket's group (src/container-entrypoint.ts).
    expect(bot.user).toBe('root');
  });

  it("limits a replica's memory above the bench's peak target, and reserves no more than the limit", () => {
    // Docker's units: 320M is 320 MiB.
    const mb = (v: string | undefined) => {
      const m = /^(\d+)([MG])$/.exec(v ?? '');
      return m ? Number(m[1]) * (m[2] === 'G' ? 1024 : 1) : NaN;
    };
    const { limits, reservations } = bot.deploy?.resources ?? {};
    // Issue 24's target for the pair's peak (front + work, `BENCH=memory npm run bench`): 240 MB, with room above it.
    expect(mb(limits?.memory)).toBeGreaterThan(240);
    expect(mb(reservations?.memory)).toBeLessThanOrEqual(mb(limits?.memory));
  });

  it('names its image and its config version explicitly: a local image name or an old config cannot slip in', () => {
    expect(bot.image).toMatch(/^\$\{ROLLBACK_IMAGE:\?[^}]+\}$/);
    expect(stack.configs?.rollback_config).toEqual({
      external: true,
      name: expect.stringMatching(/^\$\{ROLLBACK_CONFIG_NAME:\?[^}]+\}$/) as unknown as string,
    });
  });
});

it('Socket Mode: the app token, no signing secret, no published port', () => {
  const bot = stacks['Socket Mode'].services.bot;
  expect(bot.environment?.SLACK_APP_TOKEN_FILE).toBe('/run/secrets/rollback_slack_app_token');
  expect(bot.secrets).toContain('rollback_slack_app_token');
  expect(bot.environment?.SLACK_SIGNING_SECRET_FILE).toBeUndefined();
  expect(bot.ports).toBeUndefined();
});

it("HTTP: the signing secret, no app token, port 3000 on each node's own address (no routing mesh)", () => {
  const bot = stacks.HTTP.services.bot;
  expect(bot.environment?.SLACK_SIGNING_SECRET_FILE).toBe('/run/secrets/rollback_slack_signing_secret');
  expect(bot.secrets).toContain('rollback_slack_signing_secret');
  expect(bot.environment?.SLACK_APP_TOKEN_FILE).toBeUndefined();
  expect(bot.ports).toEqual([{ target: 3000, published: '${ROLLBACK_PORT:-3000}', mode: 'host' }]);
});

it('the two variants differ only where the modes do: a fix to one cannot miss the other', () => {
  /** A stack with its mode's parts taken out. */
  const common = (s: Stack, token: string) => {
    const copy = structuredClone(s);
    const bot = copy.services.bot;
    delete bot.environment?.[
      token === 'rollback_slack_app_token' ? 'SLACK_APP_TOKEN_FILE' : 'SLACK_SIGNING_SECRET_FILE'
    ];
    bot.secrets = bot.secrets?.filter((x) => x !== token);
    delete bot.ports;
    delete copy.secrets?.[token];
    return copy;
  };
  expect(common(stacks['Socket Mode'], 'rollback_slack_app_token')).toEqual(
    common(stacks.HTTP, 'rollback_slack_signing_secret'),
  );
});
