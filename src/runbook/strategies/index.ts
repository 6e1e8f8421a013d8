/**
 * The registry: the one list of the runbook's Step 3 strategies — A (script), B (docker), C (github-actions). The
 * config's `strategy` key, the card and the thread all read from it. Adding a strategy: a folder beside these and
 * one line here (and its name in domain's STRATEGIES, which types this record).
 */
import type { Strategy } from '../../domain/rollback';
import { strategyOf } from '../../domain/rollback';
import { dockerStrategy } from './docker';
import { githubActionsStrategy } from './github-actions';
import { scriptStrategy } from './script';
import type { RollbackStrategy } from './strategy';

export type { RollbackStrategy, StrategyWords } from './strategy';

export const STRATEGY: Record<Strategy, RollbackStrategy> = {
  script: scriptStrategy,
  docker: dockerStrategy,
  'github-actions': githubActionsStrategy,
};

/** The strategy a rollback was requested with. */
export const strategyFor = (r: Parameters<typeof strategyOf>[0]): RollbackStrategy => STRATEGY[strategyOf(r)];
