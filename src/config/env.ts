import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { SettingsError } from '../domain/errors';

export const DEFAULT_CONFIG_PATH = './rollback.config.yml';

/** The process environment the bot reads. Names are a contract: see README "Environment". */
const envSchema = z
  .object({
    SLACK_BOT_TOKEN: z.string().regex(/^xox[a-z]-/, 'a bot token starting with xoxb-'),
    SLACK_SIGNING_SECRET: z.string().min(1).optional(),
    SLACK_APP_TOKEN: z
      .string()
      .regex(/^xapp-/, 'an app-level token starting with xapp-')
      .optional(),
    SLACK_API_URL: z.url().default('https://slack.com/api/'),
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    ROLLBACK_CONFIG: z.string().min(1).default(DEFAULT_CONFIG_PATH),
    /** A SQLite file, or a postgres:// URL (several replicas share one Postgres). Default: DATABASE_URL, else a file. */
    ROLLBACK_DB: z.string().min(1).optional(),
    DATABASE_URL: z.string().min(1).optional(),
    /** The CA that signed the Postgres server's certificate: TLS, with the server verified against it. */
    ROLLBACK_DB_CA_FILE: z.string().min(1).optional(),
    /** The Postgres schema for the bot's tables (created if missing), so one database can serve several bots. */
    ROLLBACK_DB_SCHEMA: z
      .string()
      .regex(/^(?!pg_)[a-z_][a-z0-9_]{0,62}$/, 'a schema name (lower-case letters, digits, _; not pg_…)')
      .default('public'),
    /**
     * How long a replica's hold on a rollback lasts without renewal: when a replica dies, another resumes its
     * rollbacks after at most this long (plus ROLLBACK_SWEEP_MS).
     */
    ROLLBACK_LEASE_MS: z.coerce.number().int().min(3000).max(600_000).default(30_000),
    /** How many replicas of this Slack app run: each keeps to its share of Slack's per-workspace rate limits. */
    ROLLBACK_REPLICAS: z.coerce.number().int().min(1).max(10).default(1),
    /** How often each replica looks for rollbacks nobody drives and for cards that expired. */
    ROLLBACK_SWEEP_MS: z.coerce.number().int().min(500).max(600_000).default(15_000),
    /** Lease owner id; default the host name. Give each replica its own when several share a database. */
    ROLLBACK_INSTANCE_ID: z.string().min(1).max(200).optional(),
    /**
     * The bearer token Prometheus sends for GET /metrics (which names every environment and live incident). Unset:
     * /metrics is off.
     */
    ROLLBACK_METRICS_TOKEN: z.string().min(16, 'at least 16 characters (a random string)').optional(),
    LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  })
  .transform(({ DATABASE_URL, ...e }) => ({
    ...e,
    ROLLBACK_DB: e.ROLLBACK_DB ?? DATABASE_URL ?? './data/rollback.db',
  }));

/**
 * Secrets may come from files (Docker and Kubernetes secrets): `SLACK_BOT_TOKEN_FILE=/run/secrets/slack_bot_token`
 * stands for SLACK_BOT_TOKEN with the file's content (a trailing newline dropped). The variable itself wins.
 */
export const FILE_VARIABLES = [
  'SLACK_BOT_TOKEN',
  'SLACK_SIGNING_SECRET',
  'SLACK_APP_TOKEN',
  'ROLLBACK_DB',
  'DATABASE_URL',
  'ROLLBACK_METRICS_TOKEN',
] as const;

function withFiles(env: Record<string, string>): { env: Record<string, string>; problems: string[] } {
  const out = { ...env };
  const problems: string[] = [];
  for (const name of FILE_VARIABLES) {
    const file = env[`${name}_FILE`];
    if (file === undefined || out[name] !== undefined) continue;
    try {
      out[name] = readFileSync(file, 'utf8').replace(/\r?\n$/, '');
    } catch (err) {
      problems.push(`${name}_FILE: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }
  return { env: out, problems };
}

export type RuntimeEnv = z.infer<typeof envSchema>;

export function readEnv(env: NodeJS.ProcessEnv = process.env): RuntimeEnv {
  // Empty strings count as unset: `FOO=` in an env file should not be a token.
  const given = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== '')) as Record<
    string,
    string
  >;
  const { env: cleaned, problems } = withFiles(given);
  const result = envSchema.safeParse(cleaned);
  // The values are not echoed: a malformed token is still a secret.
  if (!result.success)
    for (const i of result.error.issues) {
      const key = i.path.join('.');
      if (given[`${key}_FILE`] !== undefined) continue; // its file could not be read: said above
      problems.push(`${key}: ${cleaned[key] === undefined ? 'required' : i.message}`);
    }
  // Checked here rather than in the schema, so it is reported together with every other problem.
  if (cleaned.SLACK_APP_TOKEN === undefined && cleaned.SLACK_SIGNING_SECRET === undefined)
    problems.push('SLACK_SIGNING_SECRET: required in HTTP mode (or set SLACK_APP_TOKEN for Socket Mode)');
  if (!result.success || problems.length > 0) throw new SettingsError('environment variables are invalid', problems);
  return result.data;
}
