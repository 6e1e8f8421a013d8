import { z } from 'zod';
import { ENVIRONMENT_PATTERN } from '../domain/names';
import { BUILT_IN_STRATEGY_CONFIG, onStrategyConfigRegistered, strategyConfigs } from './strategies';
import { githubRepo, httpUrl, type StrategyConfig } from './primitives';
import { environmentGithubSchema, githubAppSchema } from './github.config';

type Configs = typeof BUILT_IN_STRATEGY_CONFIG;
/** Each built-in strategy's section of an environment's settings, under its key (`script:`, `docker:`, `github_actions:`). */
type Sections = { [S in keyof Configs as Configs[S]['key']]: Configs[S]['schema'] };
/** Every registered strategy's section (a strategy registered at run time adds its own: its type is its own business). */
const strategySections = () =>
  Object.fromEntries(
    [...strategyConfigs()].map(([name, c]) => {
      if (Object.hasOwn(sharedKeys, c.key) || c.key === 'channel' || c.key === 'strategy')
        throw new Error(`strategy ${name}'s config key "${c.key}" is a key every environment has`);
      return [c.key, c.schema];
    }),
  ) as unknown as Sections;
/** The registered strategies' names, for the environment's `strategy:` (the list zod names when it is something else). */
const strategyNames = () => [...strategyConfigs().keys()] as [string, ...string[]];

const slackUserId = z.string().regex(/^[UW][A-Z0-9]{2,}$/, 'a Slack user id such as U012ABCDEF');
const slackGroupId = z.string().regex(/^S[A-Z0-9]{2,}$/, 'a Slack user group id such as S012ABCDEF');
const slackChannelId = z.string().regex(/^[CG][A-Z0-9]{2,}$/, 'a Slack channel id such as C012ABCDEF (not a #name)');

const role = z
  .object({
    users: z.array(slackUserId).default([]),
    usergroups: z.array(slackGroupId).default([]),
  })
  .strict();
const noOne = { users: [], usergroups: [] };
const teamRole = z
  .object({
    users: z.array(slackUserId).default([]),
    usergroups: z.array(slackGroupId).default([]),
    /** The team's own channel, told about tooling and infrastructure errors. */
    channel: slackChannelId.optional(),
  })
  .strict();

const thresholds = z
  .object({
    error_rate: z.number().min(0).max(1),
    p99_latency_multiplier: z.number().positive(),
    health_failures: z.number().int().min(1),
    memory: z.number().min(0).max(1),
    user_reports: z.number().int().min(1),
  })
  .partial()
  .strict();

const criteria = z
  .object({
    prometheus: z
      .object({
        url: httpUrl,
        timeout_ms: z.number().int().min(100).max(30_000).default(3000),
        /** PromQL giving the ratio of failed requests (0–1). */
        error_rate: z.string().min(1).optional(),
        /** PromQL giving the p99 latency in seconds. */
        p99_latency: z.string().min(1).optional(),
        /** PromQL giving the baseline p99 in seconds (e.g. the same query with `offset 1d`)… */
        baseline_p99: z.string().min(1).optional(),
        /** …or a fixed baseline in seconds. */
        baseline_p99_seconds: z.number().positive().optional(),
        /** PromQL giving memory used as a ratio (0–1). */
        memory: z.string().min(1).optional(),
      })
      .strict()
      .optional(),
    thresholds: thresholds.default({}),
    /** How long a user report counts. */
    reports_window_minutes: z
      .number()
      .int()
      .min(1)
      .max(24 * 60)
      .default(30),
  })
  .strict();

/** The runbook's time limits per step, in milliseconds. */
const budgets = z
  .object({
    confirm_ms: z.number().int().min(1000).default(120_000),
    announce_ms: z.number().int().min(1000).default(60_000),
    execute_ms: z.number().int().min(1000).default(300_000),
    verify_ms: z.number().int().min(1000).default(180_000),
  })
  .strict();

const migrations = z
  .object({
    github: z
      .object({
        ...githubRepo,
        globs: z.array(z.string().min(1)).min(1).default(['alembic/versions/**', 'migrations/**']),
      })
      .strict()
      .optional(),
    /** An image label set to "true" on images whose deployment carries migrations. */
    image_label: z.string().min(1).optional(),
  })
  .strict();

const service = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/, 'a short name (letters, digits, . _ -)'),
    docker_service: z.string().min(1),
    image: z
      .string()
      .min(1)
      .refine(
        (s) => !/@|:[^/]*$/.test(s),
        'the image repository without tag or digest, e.g. registry.example.com/app-backend',
      ),
  })
  .strict();

/** What every environment has, whatever its strategy (the strategies' sections go between `strategy:` and these). */
const sharedKeys = {
  eta: z.string().min(1).max(100).optional(),
  // Where /rollback for this environment may be typed: only its incident channel (default), or anywhere.
  requests_from: z.enum(['channel', 'anywhere']).default('channel'),
  /** Incident commanders of this environment only (instead of roles.incident_commanders here). */
  incident_commanders: role.optional(),
  approval: z
    .object({
      // Four eyes: two different incident commanders take part in the decision (request, acknowledgements, approval).
      require_different_approver: z.boolean().default(false),
      /** A card awaiting approval expires after this long: production may have changed since Step 1. */
      expires_after_ms: z
        .number()
        .int()
        .min(1000)
        .max(24 * 3_600_000)
        .default(30 * 60_000),
    })
    .strict()
    .default({ require_different_approver: false, expires_after_ms: 30 * 60_000 }),
  health: z
    .object({
      url: httpUrl,
      ready_url: httpUrl.optional(),
      retries: z.number().int().min(1).max(50).default(5),
      interval_ms: z.number().int().min(0).max(120_000).default(2000),
      timeout_ms: z.number().int().min(100).max(60_000).default(5000),
    })
    .strict(),
  smoke_tests: z
    .array(
      z
        .object({
          name: z.string().min(1).max(80),
          url: httpUrl,
          expect_status: z.number().int().min(100).max(599).default(200),
        })
        .strict(),
    )
    .default([]),
  /** Docker Swarm services (strategy docker). A deploy script or workflow deploys the environment as a whole. */
  services: z.array(service).default([]),
  criteria: criteria.default({ thresholds: {}, reports_window_minutes: 30 }),
  budgets: budgets.default({ confirm_ms: 120_000, announce_ms: 60_000, execute_ms: 300_000, verify_ms: 180_000 }),
  migrations: migrations.optional(),
  /** The environment's GitHub repository: its Deployments follow the rollbacks; its protection rule asks the gate. */
  github: environmentGithubSchema.optional(),
  /** "Create incident ticket": a GitHub issue with the timeline, impact fields and a root-cause-hypothesis section. */
  tickets: z
    .object({
      github: z
        .object({ ...githubRepo, labels: z.array(z.string().min(1)).default(['incident', 'rollback']) })
        .strict(),
      /** Open the ticket by itself when a rollback ends (completed, failed or interrupted). */
      auto: z.boolean().default(false),
    })
    .strict()
    .optional(),
  /** Evaluate the decision criteria on an interval and propose a rollback when an "immediate" one trips. */
  watch: z.boolean().default(false),
  watch_interval_ms: z.number().int().min(1000).default(60_000),
  /** After a proposal is cancelled, no new one for this long. */
  watch_backoff_ms: z
    .number()
    .int()
    .min(0)
    .default(30 * 60_000),
  /**
   * With `watch`: the riskiest minutes are right after a deploy. For this long after the bot sees one (Docker's
   * events, or CI's report), it looks every `close_watch_interval_ms` instead of every `watch_interval_ms`.
   */
  close_watch_ms: z
    .number()
    .int()
    .min(0)
    .default(15 * 60_000),
  close_watch_interval_ms: z.number().int().min(1000).default(5000),
  /** Alertmanager's alerts for this environment (see the top-level `alerts`): only those whose labels match these. */
  alerts: z
    .object({
      match: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a Prometheus label name'), z.string()).default({}),
    })
    .strict()
    .default({ match: {} }),
};

/** An environment's settings: the shared keys, its strategy's name and every registered strategy's section. */
const environmentSchema = () =>
  z
    .object({
      channel: slackChannelId,
      /** The runbook's Step 3: Option A (script), B (docker), C (github-actions), or a registered strategy. */
      strategy: z.enum(strategyNames()),
      ...strategySections(),
      ...sharedKeys,
    })
    .strict();

/** Per-user limits: what one person can ask of the bot within a window (an incident needs a few, not dozens). */
const limit = (count: number, windowMinutes: number) =>
  z
    .object({
      count: z.number().int().min(1).max(10_000).default(count),
      window_minutes: z
        .number()
        .int()
        .min(1)
        .max(24 * 60)
        .default(windowMinutes),
    })
    .strict()
    .default({ count, window_minutes: windowMinutes });

const buildConfigSchema = () =>
  z
    .object({
      limits: z
        .object({
          /** Rollback requests (command, form, report button) per user. */
          requests: limit(6, 10),
          /** `/rollback report` per user. */
          reports: limit(5, 10),
          /** Clicks that are turned away, per user: beyond this they are answered but no longer recorded. */
          refusals: limit(20, 1),
        })
        .strict()
        .default({
          requests: { count: 6, window_minutes: 10 },
          reports: { count: 5, window_minutes: 10 },
          refusals: { count: 20, window_minutes: 1 },
        }),
      roles: z
        .object({
          incident_commanders: role,
          on_call: role.default(noOne),
          dba: role.default(noOne),
          platform_team: teamRole.default(noOne),
        })
        .strict(),
      /**
       * The bot's HTTP API (the deploy gate CI asks): who may call it, as a name (the CI system) and its bearer token.
       * Without it the API answers nobody.
       */
      api: z
        .object({
          tokens: z.record(
            z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/, 'a name for the caller, e.g. github-ci'),
            z.string().min(20, 'at least 20 characters (a random token: openssl rand -hex 24)'),
          ),
        })
        .strict()
        .optional(),
      /**
       * Alertmanager's webhook (POST /api/v1/alerts, with a token from api.tokens): which label names the environment,
       * and how soon after a deploy a firing alert proposes rolling it back.
       */
      alerts: z
        .object({
          environment_label: z
            .string()
            .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a Prometheus label name')
            .default('environment'),
          deploy_window_ms: z
            .number()
            .int()
            .min(60_000)
            .max(24 * 3_600_000)
            .default(30 * 60_000),
        })
        .strict()
        .default({ environment_label: 'environment', deploy_window_ms: 30 * 60_000 }),
      pagerduty: z
        .object({
          routing_key: z.string().min(1),
          events_url: httpUrl.default('https://events.pagerduty.com/v2/enqueue'),
          timeout_ms: z.number().int().min(100).max(30_000).default(5000),
        })
        .strict()
        .optional(),
      /** The bot as a GitHub App: the deploy gate enforced by GitHub (a custom deployment protection rule). */
      github_app: githubAppSchema.optional(),
      environments: z.record(
        z.string().regex(ENVIRONMENT_PATTERN, 'an environment name (letters, digits, - and _)'),
        environmentSchema(),
      ),
    })
    .strict()
    .superRefine((c, ctx) => {
      const ic = c.roles.incident_commanders;
      if (ic.users.length === 0 && ic.usergroups.length === 0) {
        ctx.addIssue({
          code: 'custom',
          path: ['roles', 'incident_commanders'],
          message: 'name at least one user or user group: nobody could approve a rollback',
        });
      }
      if (Object.keys(c.environments).length === 0) {
        ctx.addIssue({ code: 'custom', path: ['environments'], message: 'configure at least one environment' });
      }
      for (const [name, env] of Object.entries(c.environments)) {
        const at = (...path: (string | number)[]) => ['environments', name, ...path];
        const issue = (path: (string | number)[], message: string) =>
          ctx.addIssue({ code: 'custom', path: at(...path), message });
        const chosen = strategyConfigs().get(env.strategy) as StrategyConfig;
        const sections = env as unknown as Record<string, unknown>;
        if (chosen.perService && env.services.length === 0)
          issue(['services'], `strategy ${env.strategy} needs at least one service`);
        if (!chosen.perService && env.services.length > 0)
          issue(
            ['services'],
            `services are Docker Swarm services: with strategy ${env.strategy} the ${chosen.deployer} deploys the environment; remove them`,
          );
        if (chosen.required && sections[chosen.key] === undefined) issue([chosen.key], chosen.required);
        for (const [name, other] of strategyConfigs())
          if (name !== env.strategy && other.required && sections[other.key] !== undefined)
            issue([other.key], `only used with strategy ${name}`);
        if (env.github && !env.github.token && !c.github_app)
          issue(['github'], 'give a token (deployments:write), or configure github_app: the bot acts as the App');
        if (env.migrations?.image_label && !chosen.imageLabels)
          issue(['migrations', 'image_label'], 'image labels are read from Docker: only with strategy docker');
        chosen.check?.(sections[chosen.key], issue);
        const seen = new Set<string>();
        env.services.forEach((s, i) => {
          if (seen.has(s.name))
            ctx.addIssue({
              code: 'custom',
              path: ['environments', name, 'services', i, 'name'],
              message: `duplicate service name "${s.name}"`,
            });
          seen.add(s.name);
        });
      }
    });

/**
 * The config's schema, with the sections of every strategy registered so far. Assembled again when a strategy is
 * registered (config/strategies), so that whoever reads it — loading the config, "did you mean" — sees that one too.
 */
export let configSchema = buildConfigSchema();
onStrategyConfigRegistered(() => {
  configSchema = buildConfigSchema();
});

export type BotConfig = z.infer<ReturnType<typeof buildConfigSchema>>;
export type EnvironmentConfig = BotConfig['environments'][string];
export type ServiceConfig = EnvironmentConfig['services'][number];
export type RoleConfig = BotConfig['roles']['incident_commanders'];
export type BudgetConfig = EnvironmentConfig['budgets'];

/**
 * The environment called `name`, if configured. Own keys only: user input such as "toString" or "constructor"
 * must not find Object.prototype's members.
 */
export function environmentNamed(config: BotConfig, name: string): EnvironmentConfig | undefined {
  return Object.hasOwn(config.environments, name) ? config.environments[name] : undefined;
}
