/**
 * The config's strategy registry: the three sections shipped with the bot, and one added at run time (the config
 * schema is assembled again with it, and a section it would not take is as if never registered).
 */
import { z } from 'zod';
import { configSchema } from '../../../../src/config/config.schema';
import type { StrategyConfig } from '../../../../src/config/primitives';
import { dockerConfig } from '../../../../src/config/strategies/docker.config';
import {
  BUILT_IN_STRATEGY_CONFIG,
  onStrategyConfigRegistered,
  registerStrategyConfig,
  STRATEGIES,
  strategyConfigs,
} from '../../../../src/config/strategies';

const canary: StrategyConfig = {
  key: 'canary',
  schema: z
    .object({ weight: z.number().int().min(1).max(100) })
    .strict()
    .optional(),
  required: 'strategy canary needs canary: { weight }',
  perService: false,
  deployer: 'canary controller',
  imageLabels: false,
};

const parse = (environment: Record<string, unknown>) =>
  configSchema.safeParse({
    roles: { incident_commanders: { users: ['U0IC'] } },
    environments: {
      production: { channel: 'C0INCIDENT', health: { url: 'http://health.invalid/health' }, ...environment },
    },
  });

describe('the strategy config registry', () => {
  const assembled: string[] = [];
  onStrategyConfigRegistered(() => assembled.push([...strategyConfigs().keys()].join(',')));

  it('holds the three shipped strategies first, by the names environments choose them by', () => {
    expect(STRATEGIES).toEqual(['script', 'docker', 'github-actions']);
    expect([...strategyConfigs()].slice(0, 3)).toEqual(Object.entries(BUILT_IN_STRATEGY_CONFIG));
    expect(strategyConfigs().get('docker')).toBe(dockerConfig);
  });

  it("adds a section under its name, after the built-ins, and the schema takes it and checks it by the strategy's rules", () => {
    expect(parse({ strategy: 'canary', canary: { weight: 10 } }).success).toBe(false);
    registerStrategyConfig('canary', canary);
    expect([...strategyConfigs().keys()]).toEqual(['script', 'docker', 'github-actions', 'canary']);
    expect(assembled).toEqual(['script,docker,github-actions,canary']);
    expect(parse({ strategy: 'canary', canary: { weight: 10 } }).data?.environments.production).toMatchObject({
      strategy: 'canary',
      canary: { weight: 10 },
    });
    expect(parse({ strategy: 'canary' }).error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['environments.production.canary', 'strategy canary needs canary: { weight }'],
    ]);
    expect(
      parse({ strategy: 'script', script: { command: './deploy.sh' }, canary: { weight: 10 } }).error?.issues,
    ).toEqual([expect.objectContaining({ message: 'only used with strategy canary' })]);
  });

  it('takes the same section again quietly, and refuses another under a taken name or key', () => {
    const before = assembled.length;
    registerStrategyConfig('canary', canary);
    expect(assembled).toHaveLength(before);
    expect(() => registerStrategyConfig('canary', { ...canary })).toThrow(
      'a strategy named "canary" is already registered',
    );
    expect(() => registerStrategyConfig('docker', { ...dockerConfig })).toThrow(
      'a strategy named "docker" is already registered',
    );
    expect(() => registerStrategyConfig('canary-two', { ...canary })).toThrow(
      'strategy canary-two\'s config key "canary" is strategy canary\'s already',
    );
    expect(strategyConfigs().has('canary-two')).toBe(false);
  });

  it('forgets a section the schema will not take (a key every environment has), and the schema stays as it was', () => {
    expect(() => registerStrategyConfig('healthy', { ...canary, key: 'health' })).toThrow(
      'strategy healthy\'s config key "health" is a key every environment has',
    );
    expect(strategyConfigs().has('healthy')).toBe(false);
    // Assembled again without it: the environment's own health section still means what it meant.
    expect(parse({ strategy: 'canary', canary: { weight: 10 } }).success).toBe(true);
    expect(parse({ strategy: 'healthy' }).error?.issues[0].path).toEqual(['environments', 'production', 'strategy']);
  });
});
