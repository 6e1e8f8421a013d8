/** "Did you mean …?": the nearest known key at a path of the schema, when it is near enough to be a typo. */
import { z } from 'zod';
import { configSchema } from '../../../src/config/config.schema';
import { editDistance, nearestKey } from '../../../src/config/suggest';

describe('editDistance', () => {
  it('counts insertions, deletions and substitutions', () => {
    expect(editDistance('retries', 'retries')).toBe(0);
    expect(editDistance('retires', 'retries')).toBe(2);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('kitten', 'sitting')).toBe(3);
  });
});

describe('nearestKey', () => {
  it('suggests a key of the config at the path of the typo, through records, arrays, defaults and unions', () => {
    expect(nearestKey(configSchema, ['environments', 'production', 'health'], 'retires')).toBe('retries');
    expect(nearestKey(configSchema, ['environments', 'production'], 'chanel')).toBe('channel');
    expect(nearestKey(configSchema, ['environments', 'production', 'services', 0], 'imagee')).toBe('image');
    expect(nearestKey(configSchema, [], 'Roles')).toBe('roles');
    const union = z.union([z.object({ alpha: z.string() }), z.object({ beta: z.string() })]);
    expect(nearestKey(union, [], 'betta')).toBe('beta');
  });

  it('suggests nothing when no key is within a typo’s reach, or the path leads nowhere', () => {
    expect(nearestKey(configSchema, ['environments', 'production'], 'completely_different')).toBeUndefined();
    expect(nearestKey(configSchema, ['nowhere', 'at', 'all'], 'channel')).toBeUndefined();
  });
});
