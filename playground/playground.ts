/**
 * The playground: the real bot (same code as production, HTTP mode, real signature verification) wired to a local
 * Slack stand-in and a demo environment — a real Docker Swarm stack when an engine in Swarm mode is reachable, else a
 * clearly labelled simulated target. Nothing here is imported by the bot itself.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { type RunningBot, startBot } from '../src/bot';
import { type BotConfig, configSchema } from '../src/config/config.schema';
import { readEnv } from '../src/config/env';
import { createLogger } from '../src/logger';
import type { ContainerRuntime, ServiceEvents } from '../src/ports';
import { SimulatedTarget } from './simulated-target';
import { type PlaygroundUser, SlackStandin } from './slack-standin';

export const CHANNEL = { id: 'C0INCIDENT', name: 'incident-checkout' };
export const USERS: PlaygroundUser[] = [
  { id: 'U0IC', name: 'Ina Ito', role: 'incident commander: may Approve and Cancel' },
  { id: 'U0ONCALL', name: 'Omar Ortiz', role: 'on-call engineer: may ask for a rollback, not approve it' },
  { id: 'U0SOMEONE', name: 'Sam Sato', role: 'someone else in the channel' },
];

export interface DemoTarget {
  kind: 'docker' | 'simulated';
  description: string;
  runtime: ContainerRuntime;
  /** The environment's config (health URLs, services) for this target. */
  environment(standinUrl: string): Record<string, unknown>;
  /** The platform's service events (hands-on changes are noticed from them). */
  events?: ServiceEvents;
  /** Changes production by hand (past the bot): says what it did. */
  changeByHand?: () => Promise<string>;
  /** Routes the playground serves for the target (the simulated /health). */
  serve?: SimulatedTarget['serve'];
  reset(): Promise<void>;
  stop(): Promise<void>;
}

export function simulatedTarget(updateMs = 1500): DemoTarget {
  const sim = new SimulatedTarget(updateMs);
  return {
    kind: 'simulated',
    description:
      'two pretend services, demo-backend and demo-frontend, on the bad version v2 (v1 is good); they implement the same port as the Docker adapter, their /health is served by the playground',
    runtime: sim,
    environment: (url) => ({
      health: {
        url: `${url}/demo/health`,
        ready_url: `${url}/demo/health/ready`,
        retries: 3,
        interval_ms: 300,
        timeout_ms: 2000,
      },
      smoke_tests: [{ name: 'home page', url: `${url}/demo/home`, expect_status: 200 }],
      services: [
        { name: 'backend', docker_service: 'demo-backend', image: 'demo/app-backend' },
        { name: 'frontend', docker_service: 'demo-frontend', image: 'demo/app-frontend' },
      ],
    }),
    serve: (p, req, res) => sim.serve(p, req, res),
    reset: async () => sim.deployBad(),
    events: sim.events,
    changeByHand: async () => {
      sim.changeByHand();
      return 'demo-backend and demo-frontend updated to v2 by hand (docker service update)';
    },
    stop: async () => undefined,
  };
}

export interface PlaygroundOptions {
  port?: number;
  /**
   * Where the page listens (default 127.0.0.1: only this machine). The bot itself always listens on loopback: only
   * the stand-in, beside it, talks to it.
   */
  host?: string;
  target: DemoTarget;
  logLevel?: string;
  log?: NodeJS.WritableStream;
}

export interface Playground {
  url: string;
  /** Where the page listens, and the names it may be asked for under (any other Host is refused). */
  host: string;
  hostNames: string[];
  configYaml: string;
  /** The bot's own port (loopback only): /healthz, /readyz, /metrics and the API, as in production. */
  botUrl: string;
  /** The bearer token for the bot's GET /metrics (made up for this run). */
  metricsToken: string;
  standin: SlackStandin;
  bot: RunningBot;
  stop(): Promise<void>;
}

export async function startPlayground(opts: PlaygroundOptions): Promise<Playground> {
  const signingSecret = randomBytes(16).toString('hex');
  // The "CI" of the demo environment asks the deploy gate with this token.
  const ciToken = `playground-ci-${randomBytes(12).toString('hex')}`;
  const token = `xoxb-playground-${randomBytes(8).toString('hex')}`;
  // The bot's /metrics answers only with a token: one for this run, printed in the banner.
  const metricsToken = `playground-metrics-${randomBytes(8).toString('hex')}`;
  const { target } = opts;
  const standin = new SlackStandin({
    port: opts.port ?? 3000,
    host: opts.host ?? '127.0.0.1',
    channel: CHANNEL,
    users: USERS,
    signingSecret,
    target: { kind: target.kind, description: target.description },
    extraRoutes: (p, req, res) =>
      target.serve && p.startsWith('/demo/') ? target.serve(p.slice('/demo'.length), req, res) : false,
    resetDemo: () => target.reset(),
    changeByHand: target.changeByHand,
    tryDeploy: async () => {
      const res = await fetch(`http://127.0.0.1:${bot.port}/api/v1/deployments`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${ciToken}` },
        body: JSON.stringify({ environment: 'production', version: 'v2', actor: 'playground CI' }),
        signal: AbortSignal.timeout(5000),
      });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    },
  });
  await standin.start();

  const raw = {
    roles: { incident_commanders: { users: ['U0IC'] }, on_call: { users: ['U0ONCALL'] } },
    api: { tokens: { 'playground-ci': '${PLAYGROUND_CI_TOKEN}' } },
    environments: {
      production: { channel: CHANNEL.id, strategy: 'docker', eta: '1-2 minutes', ...target.environment(standin.url) },
    },
  };
  const config: BotConfig = configSchema.parse({ ...raw, api: { tokens: { 'playground-ci': ciToken } } });
  const dir = mkdtempSync(path.join(tmpdir(), 'rollback-playground-'));
  const env = readEnv({
    SLACK_BOT_TOKEN: token,
    SLACK_SIGNING_SECRET: signingSecret,
    SLACK_API_URL: standin.apiUrl,
    PORT: '0',
    ROLLBACK_DB: path.join(dir, 'rollback.db'),
    ROLLBACK_METRICS_TOKEN: metricsToken,
  });
  const logger = createLogger({
    level: opts.logLevel ?? 'warn',
    secrets: [token, signingSecret, metricsToken],
    destination: opts.log ?? process.stderr,
  });
  let bot: RunningBot;
  try {
    bot = await startBot({
      env,
      config,
      logger,
      runtime: target.runtime,
      serviceEvents: target.events,
      secrets: [token, signingSecret, ciToken, metricsToken],
      instanceId: 'playground',
      host: '127.0.0.1',
    });
  } catch (err) {
    await standin.stop();
    throw err;
  }
  standin.botUrl = `http://127.0.0.1:${bot.port}/slack/events`;
  return {
    url: standin.url,
    host: standin.host,
    hostNames: standin.hostNames,
    configYaml: stringify(raw),
    botUrl: `http://127.0.0.1:${bot.port}`,
    metricsToken,
    standin,
    bot,
    async stop() {
      await bot.stop(2000);
      await standin.stop();
      await target.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
