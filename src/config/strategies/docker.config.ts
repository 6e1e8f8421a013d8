/** Option B's settings: an environment's `docker:` section (its services are the environment's `services:`). */
import { z } from 'zod';
import type { StrategyConfig } from '../primitives';

const dockerSettings = z
  .object({
    convergence_timeout_ms: z.number().int().min(1000).max(3_600_000).default(300_000),
  })
  .strict();

export type DockerConfig = z.infer<typeof dockerSettings>;

export const dockerConfig = {
  key: 'docker',
  schema: dockerSettings.default({ convergence_timeout_ms: 300_000 }),
  perService: true,
  deployer: 'Docker Swarm',
  imageLabels: true,
} satisfies StrategyConfig<'docker', z.ZodDefault<typeof dockerSettings>>;
