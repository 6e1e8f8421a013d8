/**
 * The words-only registry: what each strategy of ./index.ts says, without what it does. The card and the thread
 * (slack/blocks) read this one, never the behaviour registry (lint: import zones in eslint.config.mjs).
 */
import type { Strategy } from '../../domain/rollback';
import { strategyOf } from '../../domain/rollback';
import { dockerWords } from './docker/words';
import { githubActionsWords } from './github-actions/words';
import { scriptWords } from './script/words';
import type { StrategyTexts } from './strategy-words';

export type { StrategyTexts, StrategyWords } from './strategy-words';

export const STRATEGY_WORDS: Record<Strategy, StrategyTexts> = {
  script: scriptWords,
  docker: dockerWords,
  'github-actions': githubActionsWords,
};

/** What the strategy a rollback was requested with says. */
export const wordsFor = (r: Parameters<typeof strategyOf>[0]): StrategyTexts => STRATEGY_WORDS[strategyOf(r)];
