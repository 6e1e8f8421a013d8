/**
 * A fast stand-in for the swarm: the playground's simulated target (the Docker port's behaviour: versions,
 * PreviousSpec, pull, update) with a real /health, /health/ready and home page on 127.0.0.1. For fault tests that
 * are about the bot's own rules (who may do what, what is said, what is kept) rather than about Docker.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEMO_IMAGES, SimulatedTarget } from '../../playground/simulated-target';
import { type BotConfig, configSchema } from '../../src/config/config.schema';
import type { RollServiceOptions } from '../../src/ports';
import { criteria } from './scenario';

/** The simulated target, counting every service update it is asked for. */
export class CountingTarget extends SimulatedTarget {
  readonly updates: Array<{ service: string; version: string }> = [];
  /**
   * The updates that changed what a service runs: Docker's adapter leaves a service already on the target alone (it
   * only waits for it), so an update asked for again is not a second change in production.
   */
  readonly changes: Array<{ service: string; version: string }> = [];
  override async rollServiceTo(
    name: string,
    image: string,
    version: string,
    options: RollServiceOptions,
  ): Promise<void> {
    this.updates.push({ service: name, version });
    if (this.services.get(name)?.version !== version) this.changes.push({ service: name, version });
    await super.rollServiceTo(name, image, version, options);
  }
  /** Someone runs `docker service update --image …:version` by hand. */
  deployByHand(version: string): void {
    for (const [name, s] of this.services) this.services.set(name, { ...s, previousVersion: s.version, version });
  }
}

export interface Sim {
  target: CountingTarget;
  /** http://127.0.0.1:<port>: /health, /health/ready, /home. */
  baseUrl: string;
  /** Replaces /health's answer (an HTML error page, a body with markup…) until set back to null. */
  healthOverride: { status: number; body: string; contentType: string } | null;
  close(): Promise<void>;
}

/** `names`: the Docker service names simulated (default demo-backend and demo-frontend, as SIM_SERVICES). */
export async function startSim(updateMs = 300, names?: { backend: string; frontend: string }): Promise<Sim> {
  const target = new CountingTarget(updateMs, names);
  const sim: Sim = { target, baseUrl: '', healthOverride: null, close: async () => undefined };
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/health' && sim.healthOverride) {
      res
        .writeHead(sim.healthOverride.status, { 'Content-Type': sim.healthOverride.contentType })
        .end(sim.healthOverride.body);
      return;
    }
    if (!target.serve(path, req, res)) res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  sim.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  sim.close = async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  };
  return sim;
}

export const SIM_SERVICES = [
  { name: 'backend', docker_service: 'demo-backend', image: DEMO_IMAGES.backend },
  { name: 'frontend', docker_service: 'demo-frontend', image: DEMO_IMAGES.frontend },
];

/** `production` on the simulated target; `extra` is merged into the config (roles, more environments…). */
export function simConfig(
  sim: Sim,
  opts: {
    roles?: Record<string, unknown>;
    environment?: Record<string, unknown>;
    extra?: Record<string, unknown>;
    channel?: string;
  } = {},
): BotConfig {
  return configSchema.parse({
    roles: opts.roles ?? {
      incident_commanders: { users: ['U0IC', 'U0IC2'] },
      on_call: { users: ['U0ONCALL'] },
      platform_team: { users: ['U0PLATFORM'], channel: 'C0PLATFORM' },
    },
    environments: {
      production: {
        channel: opts.channel ?? 'C0INCIDENT',
        strategy: 'docker',
        health: {
          url: `${sim.baseUrl}/health`,
          ready_url: `${sim.baseUrl}/health/ready`,
          retries: 3,
          interval_ms: 100,
          timeout_ms: 1000,
        },
        smoke_tests: [{ name: 'home page', url: `${sim.baseUrl}/home`, expect_status: 200 }],
        services: SIM_SERVICES,
        docker: { convergence_timeout_ms: 10_000 },
        criteria: criteria('high'),
        ...opts.environment,
      },
    },
    ...opts.extra,
  });
}
