/** The release switch's settings: an environment's `release_switch:` section (which switch serves it). */
import { z } from 'zod';
import type { StrategyConfig } from '../../../../src/config/primitives';

const releaseSwitchSettings = z
  .object({
    /** The switch's name at the release service. */
    switch: z.string().regex(/^[a-z][a-z0-9-]{0,40}$/, 'a switch name such as checkout-web'),
  })
  .strict();

export type ReleaseSwitchConfig = z.infer<typeof releaseSwitchSettings>;

export const releaseSwitchConfig = {
  key: 'release_switch',
  schema: releaseSwitchSettings.optional(),
  required: 'strategy release-switch needs release_switch: { switch }',
  perService: false,
  deployer: 'release switch',
  imageLabels: false,
} satisfies StrategyConfig<'release_switch', z.ZodOptional<typeof releaseSwitchSettings>>;
