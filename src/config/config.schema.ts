import { z } from 'zod';
import { ENVIRONMENT_PATTERN } from '../domain/names';
import { STRATEGIES } from '../domain/rollback.machine';

const slackUserId = z.string().regex(/^[UW][A-Z0-9]{2,}$/, 'a Slack user id such as U012ABCDEF');
const slackGroupId = z.string().regex(/^S[A-Z0-9]{2,}$/, 'a Slack user group id such as S012ABCDEF');
const slackChannelId = z.string().regex(/^[CG][A-Z0-9]{2,}$/, 'a Slack channel id such as C012ABCDEF (not a #name)');
const httpUrl = z.url({ protocol: /^https?$/, error: 'an http(s) URL' });

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

/** A GitHub repository and the token to reach it (`${GITHUB_TOKEN}`). */
const githubRepo = {
  repo: z.string().regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, 'owner/name'),
  token: z.string().min(1),
  api_url: httpUrl.default('https://api.github.com'),
};

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

/** The runbook's placeholders in a deploy script's arguments. */
export const SCRIPT_PLACEHOLDERS = ['{environment}', '{version}', '{output_dir}', '{rollback_id}'] as const;

/** Option A: the team's deploy script, run without a shell. */
const script = z
  .object({
    command: z.string().min(1),
    args: z
      .array(z.string())
      .default(['--rollback', '--env', '{environment}', '--version', '{version}', '--output-dir', '{output_dir}']),
    /** Working directory (default: the bot's). */
    cwd: z.string().min(1).optional(),
    /** Extra environment variables for the script (`${VAR}` is read from the bot's environment). */
    env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name'), z.string()).default({}),
    /** Default: Step 3's budget. */
    timeout_ms: z
      .number()
      .int()
      .min(1000)
      .max(6 * 3_600_000)
      .optional(),
    /** How long a timed-out script's process group gets between SIGTERM and SIGKILL. */
    kill_grace_ms: z.number().int().min(0).max(60_000).default(5000),
    /** `{output_dir}` is `<output_root>/<rollback id>`; the script's full output is kept there as `deploy.log`. */
    output_root: z.string().min(1).default('./rollback-results'),
    /** How often the last lines of output are posted in the thread. */
    output_interval_ms: z.number().int().min(500).max(600_000).default(10_000),
  })
  .strict();

/** Option C: a GitHub Actions workflow with a workflow_dispatch trigger. */
const githubActions = z
  .object({
    ...githubRepo,
    /** The workflow's file name (ci-cd.yml) or numeric id. */
    workflow: z
      .string()
      .regex(/^([A-Za-z0-9_.-]+\.ya?ml|\d+)$/, 'a workflow file name such as ci-cd.yml, or its numeric id'),
    /** The branch or tag whose workflow file runs. */
    ref: z.string().min(1).default('main'),
    /** The names of the workflow's inputs that receive the environment and the version. */
    inputs: z
      .object({ environment: z.string().min(1).default('environment'), version: z.string().min(1).default('version') })
      .strict()
      .default({ environment: 'environment', version: 'version' }),
    /** Further fixed inputs. */
    extra_inputs: z.record(z.string(), z.string()).default({}),
    /** The GitHub login the token acts as, to tell our run from others when GitHub does not return it (default: asked of GitHub). */
    actor: z.string().min(1).optional(),
    poll_interval_ms: z.number().int().min(200).max(120_000).default(5000),
    /** Default: Step 3's budget. */
    timeout_ms: z
      .number()
      .int()
      .min(1000)
      .max(6 * 3_600_000)
      .optional(),
    request_timeout_ms: z.number().int().min(100).max(60_000).default(10_000),
  })
  .strict();

const environment = z
  .object({
    channel: slackChannelId,
    /** The runbook's Step 3: Option A (script), B (docker) or C (github-actions). */
    strategy: z.enum(STRATEGIES),
    script: script.optional(),
    github_actions: githubActions.optional(),
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
    docker: z
      .object({
        convergence_timeout_ms: z.number().int().min(1000).max(3_600_000).default(300_000),
      })
      .strict()
      .default({ convergence_timeout_ms: 300_000 }),
    criteria: criteria.default({ thresholds: {}, reports_window_minutes: 30 }),
    budgets: budgets.default({ confirm_ms: 120_000, announce_ms: 60_000, execute_ms: 300_000, verify_ms: 180_000 }),
    migrations: migrations.optional(),
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

export const configSchema = z
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
    pagerduty: z
      .object({
        routing_key: z.string().min(1),
        events_url: httpUrl.default('https://events.pagerduty.com/v2/enqueue'),
        timeout_ms: z.number().int().min(100).max(30_000).default(5000),
      })
      .strict()
      .optional(),
    environments: z.record(
      z.string().regex(ENVIRONMENT_PATTERN, 'an environment name (letters, digits, - and _)'),
      environment,
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
      if (env.strategy === 'docker' && env.services.length === 0)
        ctx.addIssue({ code: 'custom', path: at('services'), message: 'strategy docker needs at least one service' });
      if (env.strategy !== 'docker' && env.services.length > 0) {
        ctx.addIssue({
          code: 'custom',
          path: at('services'),
          message: `services are Docker Swarm services: with strategy ${env.strategy} the ${env.strategy === 'script' ? 'deploy script' : 'workflow'} deploys the environment; remove them`,
        });
      }
      if (env.strategy === 'script' && !env.script)
        ctx.addIssue({
          code: 'custom',
          path: at('script'),
          message: 'strategy script needs a script: { command, args }',
        });
      if (env.strategy === 'github-actions' && !env.github_actions)
        ctx.addIssue({
          code: 'custom',
          path: at('github_actions'),
          message: 'strategy github-actions needs github_actions: { repo, token, workflow }',
        });
      if (env.script && env.strategy !== 'script')
        ctx.addIssue({ code: 'custom', path: at('script'), message: 'only used with strategy script' });
      if (env.github_actions && env.strategy !== 'github-actions')
        ctx.addIssue({ code: 'custom', path: at('github_actions'), message: 'only used with strategy github-actions' });
      if (env.migrations?.image_label && env.strategy !== 'docker')
        ctx.addIssue({
          code: 'custom',
          path: at('migrations', 'image_label'),
          message: 'image labels are read from Docker: only with strategy docker',
        });
      env.script?.args.forEach((a, i) => {
        const unknown = (a.match(/\{[^}]*\}/g) ?? []).filter(
          (p) => !(SCRIPT_PLACEHOLDERS as readonly string[]).includes(p),
        );
        if (unknown.length > 0)
          ctx.addIssue({
            code: 'custom',
            path: at('script', 'args', i),
            message: `unknown placeholder ${unknown.join(', ')} (known: ${SCRIPT_PLACEHOLDERS.join(', ')})`,
          });
      });
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

export type BotConfig = z.infer<typeof configSchema>;
export type EnvironmentConfig = BotConfig['environments'][string];
export type ServiceConfig = EnvironmentConfig['services'][number];
export type RoleConfig = BotConfig['roles']['incident_commanders'];
export type BudgetConfig = EnvironmentConfig['budgets'];
export type ScriptConfig = NonNullable<EnvironmentConfig['script']>;
export type GitHubActionsConfig = NonNullable<EnvironmentConfig['github_actions']>;

/**
 * The environment called `name`, if configured. Own keys only: user input such as "toString" or "constructor"
 * must not find Object.prototype's members.
 */
export function environmentNamed(config: BotConfig, name: string): EnvironmentConfig | undefined {
  return Object.hasOwn(config.environments, name) ? config.environments[name] : undefined;
}
