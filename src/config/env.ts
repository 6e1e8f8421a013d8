import { z } from 'zod';
import { ErrorCode, RollbackBotError } from '../domain/errors';

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
    ROLLBACK_CONFIG: z.string().min(1).default('./rollback.config.yml'),
    ROLLBACK_DB: z.string().min(1).default('./data/rollback.db'),
    /** Lease owner id; default the host name. Give each replica its own when several share a database. */
    ROLLBACK_INSTANCE_ID: z.string().min(1).max(200).optional(),
    LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  })
  .refine((e) => e.SLACK_APP_TOKEN !== undefined || e.SLACK_SIGNING_SECRET !== undefined, {
    path: ['SLACK_SIGNING_SECRET'],
    message: 'required in HTTP mode (or set SLACK_APP_TOKEN for Socket Mode)',
  });

export type RuntimeEnv = z.infer<typeof envSchema>;

export function readEnv(env: NodeJS.ProcessEnv = process.env): RuntimeEnv {
  // Empty strings count as unset: `FOO=` in an env file should not be a token.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = envSchema.safeParse(cleaned);
  if (!result.success) {
    // The values are not echoed: a malformed token is still a secret.
    const lines = result.error.issues.map((i) => {
      const key = i.path.join('.');
      return `  ${key}: ${i.code !== 'custom' && cleaned[key] === undefined ? 'required' : i.message}`;
    });
    throw new RollbackBotError(ErrorCode.ConfigInvalid, `environment variables are invalid:\n${lines.join('\n')}`);
  }
  return result.data;
}
