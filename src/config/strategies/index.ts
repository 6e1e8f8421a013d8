/**
 * What each strategy contributes to the config (its section and checks), by the strategy's name. The strategies
 * shipped with the bot stand here, in config/, and not in runbook/strategies: the front process validates the config
 * before any runbook code is loaded (and the runbook reads the config, so the config reading the runbook would make
 * the two folders a circle). A strategy registered at run time (runbook/strategies' registerStrategy: a plug-in, a
 * test) adds its section here, and the schema is assembled again with it (config.schema.ts).
 */
import type { StrategyConfig } from '../primitives';
import { dockerConfig } from './docker.config';
import { githubActionsConfig } from './github-actions.config';
import { scriptConfig } from './script.config';

/** The strategies shipped with the bot, and their sections: typed, so that `env.docker`, `env.script`… are. */
export const BUILT_IN_STRATEGY_CONFIG = {
  script: scriptConfig,
  docker: dockerConfig,
  'github-actions': githubActionsConfig,
} as const satisfies Record<string, StrategyConfig>;

/** The names of the strategies shipped with the bot. */
export const STRATEGIES = Object.keys(BUILT_IN_STRATEGY_CONFIG) as (keyof typeof BUILT_IN_STRATEGY_CONFIG)[];

const registered = new Map<string, StrategyConfig>(Object.entries(BUILT_IN_STRATEGY_CONFIG));
const whenRegistered: Array<() => void> = [];

/** Every strategy the config accepts, by name (built-in first, then in the order they were registered). */
export const strategyConfigs = (): ReadonlyMap<string, StrategyConfig> => registered;

/**
 * Adds a strategy's config section. Registering the same section again under the same name is harmless; another
 * one under a taken name, or a section key another strategy uses, is a programming error.
 */
export function registerStrategyConfig(name: string, config: StrategyConfig): void {
  const known = registered.get(name);
  if (known === config) return;
  if (known) throw new Error(`a strategy named "${name}" is already registered`);
  const clash = [...registered].find(([, c]) => c.key === config.key);
  if (clash) throw new Error(`strategy ${name}'s config key "${config.key}" is strategy ${clash[0]}'s already`);
  registered.set(name, config);
  try {
    for (const f of whenRegistered) f();
  } catch (err) {
    // The schema would not take it (a key every environment has): as if it had never been registered.
    registered.delete(name);
    for (const f of whenRegistered) f();
    throw err;
  }
}

/** Called after each registration (the config schema is assembled again). */
export function onStrategyConfigRegistered(f: () => void): void {
  whenRegistered.push(f);
}
