/**
 * The words-only registry: what each strategy says, without what it does. The card and the thread (slack/blocks)
 * read this one, never the behaviour registry (lint: import zones in eslint.config.mjs). The strategies shipped with
 * the bot are listed here; one registered at run time (./index.ts, registerStrategy) adds its words.
 */
import type { Strategy } from '../../domain/rollback';
import { strategyOf } from '../../domain/rollback';
import { dockerWords } from './docker/words';
import { githubActionsWords } from './github-actions/words';
import { scriptWords } from './script/words';
import type { StrategyTexts } from './strategy-words';

export type { DeploymentLine, StrategyTexts, StrategyWords } from './strategy-words';

const BUILT_IN_WORDS = {
  script: scriptWords,
  docker: dockerWords,
  'github-actions': githubActionsWords,
} as const;

/** What each strategy says, by its name. */
export const STRATEGY_WORDS: typeof BUILT_IN_WORDS & Readonly<Record<Strategy, StrategyTexts>> = { ...BUILT_IN_WORDS };

/** Adds a strategy's words (registerStrategy does, with its behaviour and config section). */
export function registerStrategyWords(name: Strategy, texts: StrategyTexts): void {
  const known = Object.hasOwn(STRATEGY_WORDS, name) ? STRATEGY_WORDS[name] : undefined;
  if (known === texts) return;
  if (known) throw new Error(`a strategy named "${name}" already has its words`);
  (STRATEGY_WORDS as Record<Strategy, StrategyTexts>)[name] = texts;
}

/** What the strategy called `name` says (the config only names registered ones). */
export function wordsOf(name: Strategy): StrategyTexts {
  if (!Object.hasOwn(STRATEGY_WORDS, name)) throw new TypeError(`no strategy named "${name}" is registered`);
  return STRATEGY_WORDS[name];
}

/** What the strategy a rollback was requested with says. */
export const wordsFor = (r: Parameters<typeof strategyOf>[0]): StrategyTexts => wordsOf(strategyOf(r));
