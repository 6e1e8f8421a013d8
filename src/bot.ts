/**
 * Composition: config → logger → store → adapters → runbook → Slack app. main.ts calls this; so do the
 * end-to-end tests, so what they exercise is what runs in production.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import Docker from 'dockerode';
import type { Logger } from 'pino';
import { DockerContainerRuntime } from './adapters/docker/docker.container-runtime';
import { HttpHealthProbe } from './adapters/http/http.health-probe';
import { SlackDirectory } from './adapters/slack/slack.directory';
import { translateSlackError } from './adapters/slack/slack-errors';
import { SlackNotifier } from './adapters/slack/slack.notifier';
import { SqliteStore } from './adapters/sqlite/sqlite.store';
import { PostgresStore } from './adapters/postgres/postgres.store';
import { GitHubCodeHost, GitHubTicketTracker } from './adapters/github/github.code-host';
import { GitHubWorkflowRunner } from './adapters/github/github.workflow-runner';
import { GitHubApp } from './adapters/github/github.app';
import { GitHubDeployments } from './adapters/github/github.deployments';
import { GitHubWebhook } from './api/github-webhook';
import { lockedWords } from './api/api';
import { GitHubFollower } from './runbook/reports/github-deployment';
import { cardUrl } from './slack/permalink';
import { ProcessScriptRunner } from './adapters/process/process.script-runner';
import { type PacerLimits, SLACK_LIMITS, SlackPacer } from './adapters/slack/slack.pacer';
import { PagerDutyPager } from './adapters/pagerduty/pagerduty.pager';
import { PrometheusMetricsSource } from './adapters/prometheus/prometheus.metrics-source';
import { PrometheusTelemetry } from './adapters/telemetry/prometheus.telemetry';
import { Api, type ApiRequest, type ApiResponse } from './api/api';
import type { BotConfig, EnvironmentConfig } from './config/config.schema';
import type { RuntimeEnv } from './config/env';
import type {
  Clock,
  ContainerRuntime,
  HealthProbe,
  Leases,
  Reports,
  RollbackRepository,
  DeployReports,
  ServiceEvents,
  VerifiedVersions,
} from './ports';
import type { DeliveryLog } from './ports/delivery-log.port';
import type { AlertLog } from './ports/alert-log.port';
import type { RunbookDeps } from './runbook/engine/context';
import { leaseOwner, RollbackRunner } from './runbook/steps/runner';
import { Redactor } from './domain/redact';
import { configSecrets } from './config/secrets';
import { RollbackService } from './runbook/service';
import { autoTicket } from './runbook/reports/ticket';
import { Watcher } from './runbook/watchers/watch';
import { HandsOnWatcher } from './runbook/watchers/hands-on';
import { AlertWatcher } from './runbook/watchers/alerts';
import { strategyNamed } from './runbook/strategies';
import { DockerServiceEvents } from './adapters/docker/docker.service-events';
import { createSlackApp } from './slack/app';
import { createFront, type FrontState } from './replica/front';
import { directLink } from './replica/direct-link';
import { ForwardedReceiver } from './replica/forwarded-receiver';
import type { ForwardedEvent, MetricsJson } from './replica/work-link';
import { registerListeners } from './slack/listeners';
import { LastLooks } from './runbook/watchers/looks';

export const systemClock: Clock = { now: () => new Date() };

/** One adapter per environment, made once. */
function perEnvironment<T>(
  config: BotConfig,
  make: (env: EnvironmentConfig) => T | null,
): (environment: string) => T | null {
  const made = new Map(Object.entries(config.environments).map(([name, env]) => [name, make(env)]));
  return (environment) => made.get(environment) ?? null;
}

export interface BotOptions {
  env: RuntimeEnv;
  config: BotConfig;
  logger: Logger;
  /** Replaces the Docker adapter (the playground's simulated target). */
  runtime?: ContainerRuntime;
  /**
   * The platform's service events, to notice hands-on changes (default: Docker's event stream when the runtime is the
   * Docker adapter; none with a replaced runtime unless given).
   */
  serviceEvents?: ServiceEvents;
  /** Replaces the HTTP health probe (the benchmark times it). */
  probe?: HealthProbe;
  /** The pace kept below Slack's rate limits (default: Slack's documented limits). */
  slackLimits?: PacerLimits;
  /** Values that must never leave the process: redacted from every Slack message too (logs: see createLogger). */
  secrets?: readonly string[];
  /**
   * This instance's id (ROLLBACK_INSTANCE_ID), kept across restarts so a restart resumes its own work at once; must
   * be unique per live process. Default: the host name and port (a port is held by one process at a time).
   */
  instanceId?: string;
  leaseMs?: number;
  /** How often to look for rollbacks nobody drives (another replica died). */
  sweepMs?: number;
  /** Where the front listens (default every address); the playground keeps its bot on loopback. */
  host?: string;
  /** The `process` label of its default metrics ("work" in the work process; "bot" when front and work share one). */
  metricsProcess?: string;
}

/** Every store port, as one adapter implements them (SQLite for one replica, Postgres for several). */
export interface BotStore
  extends RollbackRepository, Leases, Reports, VerifiedVersions, DeliveryLog, DeployReports, AlertLog {
  close(): Promise<void>;
  /** Resolves when the database answers. */
  ping(): Promise<void>;
}

/** `ROLLBACK_DB`: a postgres:// URL selects Postgres (shared by replicas); anything else is a SQLite file. */
export const isPostgresUrl = (db: string): boolean => /^postgres(ql)?:\/\//i.test(db);

async function openStore(env: RuntimeEnv): Promise<BotStore> {
  if (!isPostgresUrl(env.ROLLBACK_DB)) return new SqliteStore(env.ROLLBACK_DB);
  const ca = env.ROLLBACK_DB_CA_FILE ? readFileSync(env.ROLLBACK_DB_CA_FILE, 'utf8') : undefined;
  return PostgresStore.connect({
    url: env.ROLLBACK_DB,
    schema: env.ROLLBACK_DB_SCHEMA,
    ...(ca ? { ssl: { ca, rejectUnauthorized: true } } : {}),
  });
}

/** The work side of a replica: the Slack app's listeners, the runbook and the store, without a transport. */
export interface BotWorker {
  /** This replica's id (in every log line, and in `/rollback status` beside what it drives). */
  instance: string;
  service: RollbackService;
  runner: RollbackRunner;
  watcher: Watcher;
  /** The store's ports (rollbacks, leases, reports, verified versions, Slack deliveries). */
  store: BotStore;
  logger: Logger;
  /** Runs one delivery the front acknowledged; resolves with the listener's ack answer (if any). */
  deliver(event: ForwardedEvent): Promise<unknown>;
  /** Resolves when the store answers, and the Docker engine too when an environment rolls back with Docker. */
  ready(): Promise<void>;
  /** Its metrics (GET /metrics), as prom-client's JSON. */
  metrics(): Promise<MetricsJson>;
  /** Answers a request to the HTTP API (the deploy gate). */
  api(request: ApiRequest): Promise<ApiResponse>;
  /** Lets in-flight steps finish (bounded), sends what is still paced, closes the store. */
  stop(graceMs?: number): Promise<void>;
}

export interface RunningBot extends BotWorker {
  port: number;
  /** Stops taking requests, lets in-flight steps finish (bounded), closes the store. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Front and work side in one process (tests, the playground), joined by the direct link. main.ts runs them as two
 * processes instead (replica/front-process.ts), so the work never delays an acknowledgement.
 */
export async function startBot(opts: BotOptions): Promise<RunningBot> {
  let state: FrontState = 'starting';
  const worker = await startWorker(opts);
  const front = createFront(opts.env, worker.logger, {
    state: () => state,
    link: directLink(worker),
    host: opts.host,
  });
  const port = await front.start();
  await front.connect();
  state = 'serving';
  worker.logger.info({ port, mode: opts.env.SLACK_APP_TOKEN ? 'socket' : 'http' }, 'taking Slack requests');
  return {
    ...worker,
    port,
    async stop(graceMs = 8000) {
      state = 'stopping';
      await front.stop();
      await worker.stop(graceMs);
    },
  };
}

/** Unique per process (a new boot id each start); the instance part names the replica in logs and status. */
function instanceOf(opts: BotOptions): string {
  const { env } = opts;
  return (
    opts.instanceId ??
    env.ROLLBACK_INSTANCE_ID ??
    (env.PORT === 0 ? `${hostname()}:${randomUUID().slice(0, 8)}` : `${hostname()}:${env.PORT}`)
  );
}

/** The work side's Bolt app, fed by the front through the forwarded receiver; its Web API calls are timed. */
function buildSlackApp(opts: BotOptions, logger: Logger, store: BotStore, telemetry: PrometheusTelemetry) {
  const { env } = opts;
  const receiver = new ForwardedReceiver(logger);
  const slack = createSlackApp(env, logger, {
    receiver,
    firstDelivery: (key) => store.firstDelivery(key, Date.now()),
    fetch: telemetry.slackFetch(env.SLACK_API_URL),
  });
  return { slack, receiver };
}

type SlackApp = ReturnType<typeof buildSlackApp>['slack'];

function buildNotifier(opts: BotOptions, logger: Logger, store: BotStore, slack: SlackApp, redactor: Redactor) {
  const { env, config } = opts;
  return new SlackNotifier(
    slack.client,
    config,
    logger.child({ component: 'notifier' }),
    redactor,
    // With Postgres, card updates (Tier 3, per workspace) come out of one bucket in the store for every replica;
    // posts (per channel) keep to this replica's share.
    new SlackPacer(opts.slackLimits ?? SLACK_LIMITS, {
      replicas: env.ROLLBACK_REPLICAS,
      shared: store instanceof PostgresStore ? store : undefined,
      onSharedError: (err) =>
        logger.warn({ err }, "the shared Slack budget did not answer; using this replica's share"),
    }),
    (id) => store.get(id),
  );
}

/** The runbook's ports, each filled by its adapter (or the one the options give). */
function buildAdapters(
  opts: BotOptions,
  parts: {
    logger: Logger;
    store: BotStore;
    telemetry: PrometheusTelemetry;
    slack: SlackApp;
    notifier: SlackNotifier;
    redactor: Redactor;
    app: GitHubApp | null;
  },
): RunbookDeps {
  const { config } = opts;
  const { logger, store, telemetry, slack, notifier, redactor, app } = parts;
  return {
    config,
    rollbacks: store,
    leases: store,
    reports: store,
    verified: store,
    deploys: store,
    alerts: store,
    runtime: telemetry.timed(
      'docker',
      opts.runtime ??
        new DockerContainerRuntime(new Docker({ timeout: 60_000 }), { log: logger.child({ component: 'docker' }) }),
    ),
    probe: telemetry.timed('health', opts.probe ?? new HttpHealthProbe()),
    telemetry,
    notifier,
    directory: new SlackDirectory(slack.client, config),
    clock: systemClock,
    log: logger,
    metricsFor: perEnvironment(config, (env) =>
      env.criteria.prometheus
        ? new PrometheusMetricsSource(env.criteria.prometheus.url, env.criteria.prometheus.timeout_ms)
        : null,
    ),
    codeHostFor: perEnvironment(config, (env) =>
      env.migrations?.github
        ? new GitHubCodeHost({
            apiUrl: env.migrations.github.api_url,
            repo: env.migrations.github.repo,
            token: env.migrations.github.token,
          })
        : null,
    ),
    scripts: new ProcessScriptRunner({ secrets: [...(opts.secrets ?? []), ...configSecrets(config)] }),
    workflowsFor: perEnvironment(config, (env) => {
      const gha = env.github_actions;
      return gha
        ? new GitHubWorkflowRunner({
            apiUrl: gha.api_url,
            repo: gha.repo,
            token: gha.token,
            workflow: gha.workflow,
            timeoutMs: gha.request_timeout_ms,
          })
        : null;
    }),
    deploymentsFor: perEnvironment(config, (env) => {
      const gh = env.github;
      if (!gh || (!gh.token && !app)) return null;
      const token = gh.token;
      return new GitHubDeployments({
        apiUrl: gh.api_url,
        repo: gh.repo,
        timeoutMs: gh.request_timeout_ms,
        token: token ? async () => token : () => (app as GitHubApp).tokenFor(gh.repo),
      });
    }),
    ticketsFor: perEnvironment(config, (env) =>
      env.tickets
        ? new GitHubTicketTracker({
            apiUrl: env.tickets.github.api_url,
            repo: env.tickets.github.repo,
            token: env.tickets.github.token,
          })
        : null,
    ),
    redactor,
    pager: config.pagerduty
      ? new PagerDutyPager({
          routingKey: config.pagerduty.routing_key,
          eventsUrl: config.pagerduty.events_url,
          timeoutMs: config.pagerduty.timeout_ms,
        })
      : null,
  };
}

/** The runbook on its ports: the runner that drives rollbacks, the service the listeners and the API call. */
function buildRunbook(opts: BotOptions, deps: RunbookDeps, instance: string) {
  // GitHub Deployments follow the rollbacks beside the runbook, never in its way.
  const deploymentsFor = deps.deploymentsFor;
  const github = deploymentsFor ? new GitHubFollower(deps, { cardLink: cardUrl, deploymentsFor }) : null;
  // After-care the config asks for when a rollback moves: the automatic incident ticket, GitHub's deployments.
  deps.afterCare = async (rollback) => {
    github?.nudge(rollback);
    await autoTicket(deps, rollback);
  };
  const runner = new RollbackRunner(deps, {
    owner: leaseOwner(instance, randomUUID().slice(0, 8)),
    leaseMs: opts.leaseMs ?? opts.env.ROLLBACK_LEASE_MS,
  });
  const service = new RollbackService(deps, runner);
  // The Home tab: what the close watch last saw, and every stored change redraws the Home tabs open now.
  deps.looks = new LastLooks();
  deps.changed = () => service.homeChanged();
  return { runner, service, github };
}

/** Slack's listeners and the HTTP API, both calling the service. */
function buildListeners(
  opts: BotOptions,
  parts: {
    logger: Logger;
    slack: SlackApp;
    service: RollbackService;
    redactor: Redactor;
    watcher: Watcher;
    store: BotStore;
    app: GitHubApp | null;
    alerts: AlertWatcher;
  },
): Api {
  const { config } = opts;
  const { logger, slack, service, redactor, watcher, store, app, alerts } = parts;
  registerListeners(slack, { config, service, logger, redact: (text) => redactor.text(text) });
  slack.error(async (err) => {
    logger.error({ err }, 'unhandled error in a Slack listener');
  });
  return new Api({
    config,
    clock: systemClock,
    log: logger.child({ component: 'api' }),
    deployGate: (environment) => service.deployGate(environment),
    reportDeploy: async (input, caller) => {
      const outcome = await service.reportDeploy(input, caller);
      if (outcome.kind === 'recorded') watcher.deploySeen(input.environment);
      return outcome;
    },
    githubWebhook:
      app && config.github_app
        ? new GitHubWebhook({
            secret: config.github_app.webhook_secret_file.content,
            environments: Object.entries(config.environments).flatMap(([name, env]) =>
              env.github ? [{ name, repo: env.github.repo }] : [],
            ),
            deployGate: (environment) => service.deployGate(environment),
            lockedWords,
            reviews: app,
            firstDelivery: (key) => store.firstDelivery(key, Date.now()),
            log: logger.child({ component: 'github-webhook' }),
          })
        : undefined,
    // Kept before the 202; weighed after it (a proposal posts a card: longer than the front waits for an answer).
    receiveAlerts: async (incoming) => {
      const { accepted, ignored, decided } = await alerts.receive(incoming);
      void decided;
      return { accepted, ignored };
    },
  });
}

/** Tell the operator early if the token is wrong or Slack is out of reach; keep serving either way. */
function checkSlackToken(slack: SlackApp, logger: Logger): void {
  slack.client.auth.test().then(
    (res) => logger.info({ botUserId: res.user_id, team: res.team }, 'Slack token accepted'),
    (err: unknown) =>
      logger.warn({ err: translateSlackError(err, 'auth.test') }, 'Slack token check failed; the bot keeps running'),
  );
}

/**
 * What runs on its own: the watcher (close watch, deploys), hands-on changes on the platform, and the sweep for
 * rollbacks nobody drives. Resolves once the first sweep is done; returns how to stop them.
 */
async function startBackgroundLoops(
  opts: BotOptions,
  parts: {
    deps: RunbookDeps;
    store: BotStore;
    runner: RollbackRunner;
    service: RollbackService;
    watcher: Watcher;
    usesDocker: boolean;
    github: GitHubFollower | null;
  },
): Promise<() => void> {
  const { deps, store, runner, service, watcher, usesDocker, github } = parts;
  const logger = deps.log;
  watcher.start();
  // Hands-on changes: Docker's event stream for the services the config knows (its own connection: the stream is
  // long-lived, and the runtime's calls have a timeout).
  const events = opts.serviceEvents ?? (opts.runtime || !usesDocker ? null : new DockerServiceEvents(new Docker()));
  const handsOn = events
    ? new HandsOnWatcher(deps, {
        claim: (key) => store.firstDelivery(key, Date.now()),
        // A change with no rollback around it is a deploy: the riskiest minutes start.
        onDeploy: (environment) => watcher.deploySeen(environment),
        onStepOneAgain: (id) => void runner.drive(id),
      })
    : null;
  let unfollow: (() => void) | null = null;
  if (handsOn && events) {
    await handsOn.prime();
    unfollow = events.follow(
      (e) => handsOn.onEvent(e),
      (err, retryInMs) => logger.warn({ err, retryInMs }, 'the Docker event stream dropped; reopening'),
    );
  }
  const sweep = async () => {
    try {
      await service.resumeOrphans();
    } catch (err) {
      logger.error({ err }, 'could not look for unfinished rollbacks');
    }
    try {
      await service.expireStale();
    } catch (err) {
      logger.error({ err }, 'could not expire stale rollbacks');
    }
    await github
      ?.catchUp()
      .catch((err: unknown) => logger.warn({ err }, 'could not look for rollbacks GitHub was not told of'));
  };
  await sweep();
  const sweeper = setInterval(() => void sweep(), opts.sweepMs ?? opts.env.ROLLBACK_SWEEP_MS);
  sweeper.unref();
  return () => {
    clearInterval(sweeper);
    watcher.stop();
    unfollow?.();
    handsOn?.stop();
  };
}

/** Ready: the store answers, and the Docker engine too when an environment rolls back with Docker. */
function readiness(deps: RunbookDeps, store: BotStore, usesDocker: boolean): () => Promise<void> {
  const logger = deps.log;
  return async () => {
    // The reason is what /readyz shows to whoever asks: which part, not its error (logged here).
    try {
      await store.ping();
    } catch (err) {
      logger.warn({ err }, 'not ready: the store does not answer');
      throw new Error('the store does not answer');
    }
    if (!usesDocker) return;
    try {
      await deps.runtime.ping();
    } catch (err) {
      logger.warn({ err }, 'not ready: the Docker engine does not answer');
      throw new Error('the Docker engine does not answer');
    }
  };
}

/** The work side: everything but the transport. */
export async function startWorker(opts: BotOptions): Promise<BotWorker> {
  const { env, config } = opts;
  const instance = instanceOf(opts);
  // Every line says which replica wrote it: with several, the logs show which one drives each rollback.
  const logger = opts.logger.child({ replica: instance });
  const store = await openStore(env);
  const telemetry = new PrometheusTelemetry({ config, approvals: store, process: opts.metricsProcess ?? 'bot' });
  const { slack, receiver } = buildSlackApp(opts, logger, store, telemetry);
  // The config's secret-bearing fields (and URL credentials) are secrets too, however they were written.
  const redactor = new Redactor([...(opts.secrets ?? []), ...configSecrets(config)]);
  const notifier = buildNotifier(opts, logger, store, slack, redactor);
  const app = config.github_app
    ? new GitHubApp({
        appId: config.github_app.app_id,
        privateKey: config.github_app.private_key_file.content,
        apiUrl: config.github_app.api_url,
        timeoutMs: config.github_app.request_timeout_ms,
        installationId: config.github_app.installation_id,
      })
    : null;
  const deps = buildAdapters(opts, { logger, store, telemetry, slack, notifier, redactor, app });
  const { runner, service, github } = buildRunbook(opts, deps, instance);
  const watcher = new Watcher(deps, service);
  const alerts = new AlertWatcher(deps, (req) => service.request(req));
  const api = buildListeners(opts, { logger, slack, service, redactor, watcher, store, app, alerts });
  checkSlackToken(slack, logger);
  logger.info({ environments: Object.keys(config.environments) }, 'rollback bot started');
  const usesDocker = Object.values(config.environments).some((e) =>
    strategyNamed(e.strategy).needs.includes('runtime'),
  );
  const stopLoops = await startBackgroundLoops(opts, { deps, store, runner, service, watcher, usesDocker, github });

  return {
    instance,
    service,
    runner,
    watcher,
    store,
    logger,
    deliver: (event) => receiver.deliver(event),
    ready: readiness(deps, store, usesDocker),
    metrics: () => telemetry.json(),
    api: (request) => api.handle(request),
    async stop(graceMs = 8000) {
      stopLoops();
      const deadline = Date.now() + graceMs;
      let timer: NodeJS.Timeout | undefined;
      const settled = await Promise.race([
        runner.idle().then(() => true),
        new Promise<boolean>((r) => (timer = setTimeout(r, graceMs, false))),
      ]);
      clearTimeout(timer);
      // What GitHub is still being told (each call bounded by its timeout), within the grace period.
      if (github) {
        let waited: NodeJS.Timeout | undefined;
        await Promise.race([
          github.idle(),
          new Promise((r) => (waited = setTimeout(r, Math.max(0, deadline - Date.now())))),
        ]);
        clearTimeout(waited);
      }
      // Threaded lines and card updates still on their way (paced to Slack's limits) go out within the grace period.
      await notifier.drain(Math.max(0, deadline - Date.now()));
      if (settled) await store.close();
      // Otherwise leave the store open: the process is about to exit, and a step still finishing may want to
      // persist its result. Whatever it does not persist is resumed on the next start.
      else logger.warn({ inFlight: runner.busy }, 'stopping with rollbacks in flight; they resume on the next start');
    },
  };
}
