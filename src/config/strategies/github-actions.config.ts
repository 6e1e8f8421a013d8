/** Option C's settings: an environment's `github_actions:` section. */
import { z } from 'zod';
import { githubRepo, type StrategyConfig, stepTimeoutMs } from '../primitives';

/** Option C: a GitHub Actions workflow with a workflow_dispatch trigger. */
const githubActionsSettings = z
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
    timeout_ms: stepTimeoutMs,
    request_timeout_ms: z.number().int().min(100).max(60_000).default(10_000),
  })
  .strict();

export type GitHubActionsConfig = z.infer<typeof githubActionsSettings>;

export const githubActionsConfig = {
  key: 'github_actions',
  schema: githubActionsSettings.optional(),
  required: 'strategy github-actions needs github_actions: { repo, token, workflow }',
  perService: false,
  deployer: 'workflow',
  imageLabels: false,
} satisfies StrategyConfig<'github_actions', z.ZodOptional<typeof githubActionsSettings>>;
