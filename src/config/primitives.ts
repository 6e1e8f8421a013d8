/** Building blocks of the config schema that the strategies' own sections use too. */
import { z } from 'zod';

export const httpUrl = z.url({ protocol: /^https?$/, error: 'an http(s) URL' });

/** A GitHub repository and the token to reach it (`${GITHUB_TOKEN}`). */
export const githubRepo = {
  repo: z.string().regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, 'owner/name'),
  token: z.string().min(1),
  api_url: httpUrl.default('https://api.github.com'),
};

/** Step 3's own time limit for a strategy that runs something (default: Step 3's budget). */
export const stepTimeoutMs = z
  .number()
  .int()
  .min(1000)
  .max(6 * 3_600_000)
  .optional();

/** A problem found in an environment's settings, at a path below the environment. */
export type ConfigIssue = (path: (string | number)[], message: string) => void;

/**
 * What a strategy contributes to the config: its own section of an environment's settings (`script:`, `docker:`),
 * and its checks. Defined in `config/strategies/<name>.config.ts`.
 */
export interface StrategyConfig<Key extends string = string, Section extends z.ZodType = z.ZodType> {
  /** The environment's key for the strategy's settings and their schema (optional or with a default). */
  key: Key;
  schema: Section;
  /** Whether an environment using the strategy must have the section (the message says what goes in it). */
  required?: string;
  /** Whether it rolls back the environment's `services:` one by one (else it deploys the environment as a whole). */
  perService: boolean;
  /** What deploys the environment as a whole, in the message refusing `services:` ("the deploy script"). */
  deployer: string;
  /** Whether migrations can be read from the images' labels (`migrations.image_label`). */
  imageLabels: boolean;
  /** Further checks of its section, when the environment uses the strategy. */
  check?(section: z.infer<Section>, issue: ConfigIssue): void;
}
