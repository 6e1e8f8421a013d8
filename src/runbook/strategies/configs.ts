/**
 * What each strategy contributes to the config (its section and checks), from its folder's config.ts. Kept apart from
 * the registry of behaviour (index.ts) so that loading the config does not load the runbook.
 */
import type { StrategyConfig } from '../../config/primitives';
import type { Strategy } from '../../domain/rollback';
import { dockerConfig } from './docker/config';
import { githubActionsConfig } from './github-actions/config';
import { scriptConfig } from './script/config';

export const STRATEGY_CONFIG = {
  script: scriptConfig,
  docker: dockerConfig,
  'github-actions': githubActionsConfig,
} as const satisfies Record<Strategy, StrategyConfig>;
