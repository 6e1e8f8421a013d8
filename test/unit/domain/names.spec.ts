/** What may be called an environment or a version before it reaches Docker, a script or a workflow. */
import { ENVIRONMENT_PATTERN, isValidVersion, VERSION_PATTERN } from '../../../src/domain/names';

describe('isValidVersion', () => {
  it('takes Docker tags, git SHAs and release tags', () => {
    for (const v of ['v1', 'v1.4.2', '3f2a9c1', 'release_2026-12-01', 'A'.repeat(128)])
      expect(isValidVersion(v)).toBe(true);
  });

  it('refuses what could be read as an option, a path, a shell word or a second argument', () => {
    for (const v of ['', '-rf', '.hidden', '../etc', 'v1;rm', 'v1 v2', 'v1/x', 'v1:latest', 'A'.repeat(129), 'v1\n'])
      expect(isValidVersion(v)).toBe(false);
    expect(VERSION_PATTERN.test('$(id)')).toBe(false);
  });
});

describe('ENVIRONMENT_PATTERN', () => {
  it('takes letters, digits, - and _, up to 64, not starting with a sign', () => {
    expect(ENVIRONMENT_PATTERN.test('production')).toBe(true);
    expect(ENVIRONMENT_PATTERN.test('eu_west-2')).toBe(true);
    for (const e of ['-prod', 'prod.eu', 'prod env', 'x'.repeat(65), ''])
      expect(ENVIRONMENT_PATTERN.test(e)).toBe(false);
  });
});
