/**
 * What each strategy of runbook/strategies contributes to the config (its section and checks), one file each. They
 * stand here, in config/, and not in the strategies' folders: the runbook reads the config, so the config reading the
 * runbook would make the two folders a circle, and loading the config would load the runbook.
 */
import type { StrategyConfig } from '../primitives';
import type { Strategy } from '../../domain/rollback';
import { dockerConfig } from './docker.config';
import { githubActionsConfig } from './github-actions.config';
import { scriptConfig } from './script.config';

export const STRATEGY_CONFIG = {
  script: scriptConfig,
  docker: dockerConfig,
  'github-actions': githubActionsConfig,
} as const satisfies Record<Strategy, StrategyConfig>;
