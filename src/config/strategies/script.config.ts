/** Option A's settings: an environment's `script:` section, and its checks. */
import { z } from 'zod';
import { type StrategyConfig, stepTimeoutMs } from '../primitives';

/** The runbook's placeholders in a deploy script's arguments. */
export const SCRIPT_PLACEHOLDERS = ['{environment}', '{version}', '{output_dir}', '{rollback_id}'] as const;

/** Option A: the team's deploy script, run without a shell. */
const scriptSettings = z
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
    timeout_ms: stepTimeoutMs,
    /** How long a timed-out script's process group gets between SIGTERM and SIGKILL. */
    kill_grace_ms: z.number().int().min(0).max(60_000).default(5000),
    /** `{output_dir}` is `<output_root>/<rollback id>`; the script's full output is kept there as `deploy.log`. */
    output_root: z.string().min(1).default('./rollback-results'),
    /** How often the last lines of output are posted in the thread. */
    output_interval_ms: z.number().int().min(500).max(600_000).default(10_000),
  })
  .strict();

export type ScriptConfig = z.infer<typeof scriptSettings>;

export const scriptConfig = {
  key: 'script',
  schema: scriptSettings.optional(),
  required: 'strategy script needs a script: { command, args }',
  perService: false,
  deployer: 'deploy script',
  imageLabels: false,
  check(section, issue) {
    section?.args.forEach((a, i) => {
      const unknown = (a.match(/\{[^}]*\}/g) ?? []).filter(
        (p) => !(SCRIPT_PLACEHOLDERS as readonly string[]).includes(p),
      );
      if (unknown.length > 0)
        issue(
          ['script', 'args', i],
          `unknown placeholder ${unknown.join(', ')} (known: ${SCRIPT_PLACEHOLDERS.join(', ')})`,
        );
    });
  },
} satisfies StrategyConfig<'script', z.ZodOptional<typeof scriptSettings>>;
