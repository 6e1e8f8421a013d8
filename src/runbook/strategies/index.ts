/**
 * The registry: the runbook's Step 3 strategies by name — A (script), B (docker), C (github-actions), and any other
 * registered at run time. The config's `strategy` key, the card and the thread all read from it. Adding a strategy is
 * its folder and one registerStrategy line: the folder's strategy brings its words and its config section, and
 * registering it adds them to the words registry (./words.ts) and the config schema (config/strategies).
 * The three shipped with the bot are listed in each of those too, because the front validates the config without
 * loading any runbook code, and the card is drawn without loading any behaviour.
 */
import { registerStrategyConfig } from '../../config/strategies';
import type { Strategy } from '../../domain/rollback';
import { strategyOf } from '../../domain/rollback';
import { dockerStrategy } from './docker';
import { githubActionsStrategy } from './github-actions';
import { scriptStrategy } from './script';
import type { RollbackStrategy } from './strategy';
import { registerStrategyWords } from './words';

export type { RollbackStrategy, StrategyPort, StrategyWords } from './strategy';

/** The strategies shipped with the bot (their words and config sections are listed beside theirs, see above). */
const BUILT_IN = {
  script: scriptStrategy,
  docker: dockerStrategy,
  'github-actions': githubActionsStrategy,
} as const;

/** Every registered strategy, by name. */
export const STRATEGY: typeof BUILT_IN & Readonly<Record<Strategy, RollbackStrategy>> = { ...BUILT_IN };

/**
 * Registers a strategy: its behaviour, its words (for the card and the thread) and its config section (the schema is
 * assembled again with it). Registering the same strategy twice is harmless; another one under a taken name is not.
 */
export function registerStrategy(strategy: RollbackStrategy): void {
  const known = Object.hasOwn(STRATEGY, strategy.name) ? STRATEGY[strategy.name] : undefined;
  if (known === strategy) return;
  if (known) throw new Error(`a strategy named "${strategy.name}" is already registered`);
  registerStrategyConfig(strategy.name, strategy.config);
  registerStrategyWords(strategy.name, strategy);
  (STRATEGY as Record<Strategy, RollbackStrategy>)[strategy.name] = strategy;
}

/** The strategy called `name` (the config only names registered ones). */
export function strategyNamed(name: Strategy): RollbackStrategy {
  if (!Object.hasOwn(STRATEGY, name)) throw new TypeError(`no strategy named "${name}" is registered`);
  return STRATEGY[name];
}

/** The strategy a rollback was requested with. */
export const strategyFor = (r: Parameters<typeof strategyOf>[0]): RollbackStrategy => strategyNamed(strategyOf(r));
