/** A lease owner is `<instance>#<boot>`: its instance part is what a restart of the same replica shares. */
import { instancePrefix } from '../../../src/ports/leases.port';

describe('instancePrefix', () => {
  it('keeps the instance and its #, up to the last #', () => {
    expect(instancePrefix('bot-1#a1b2')).toBe('bot-1#');
    expect(instancePrefix('host#2#boot')).toBe('host#2#');
  });

  it('is null for an owner without an instance part', () => {
    expect(instancePrefix('bot-1')).toBeNull();
    expect(instancePrefix('#boot')).toBeNull();
    expect(instancePrefix('')).toBeNull();
  });
});
