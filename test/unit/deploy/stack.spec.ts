/**
 * The shipped stack file's promises that the single-node stack end-to-end test cannot show: what Swarm's health check
 * asks (a database blip must not get every replica killed), that an update can place its new task when every node
 * already runs one, and that PostgreSQL stays with its data. test/e2e/stack.e2e.spec.ts deploys the file and updates it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

interface Service {
  healthcheck?: { test?: string[] };
  ports?: Array<{ mode?: string }>;
  deploy?: {
    replicas?: number;
    placement?: { constraints?: string[]; max_replicas_per_node?: number };
    update_config?: { order?: string };
    rollback_config?: { order?: string };
  };
}
interface Stack {
  services: Record<string, Service>;
  networks?: Record<string, { driver?: string; driver_opts?: Record<string, string> }>;
}

const stack = parse(readFileSync(join(__dirname, '../../../deploy/stack.yml'), 'utf8')) as Stack;
const bot = stack.services.bot;

it("Swarm's health check is liveness (/healthz), never readiness (/readyz)", () => {
  const check = (bot.healthcheck?.test ?? []).join(' ');
  expect(check).toContain('/healthz');
  expect(check).not.toContain('/readyz');
});

it('an update stops a task before starting its replacement when a node can hold only one (moby #40797)', () => {
  const onePerNode =
    bot.deploy?.placement?.max_replicas_per_node === 1 || (bot.ports ?? []).some((p) => p.mode === 'host');
  expect(onePerNode).toBe(true);
  expect(bot.deploy?.update_config?.order).toBe('stop-first');
  expect(bot.deploy?.rollback_config?.order).toBe('stop-first');
});

it('PostgreSQL is pinned to the labelled node that holds its volume, and its traffic is encrypted between nodes', () => {
  expect(stack.services.postgres.deploy?.placement?.constraints).toEqual(['node.labels.rollback.postgres == true']);
  expect(stack.networks?.default).toEqual({ driver: 'overlay', driver_opts: { encrypted: 'true' } });
});
