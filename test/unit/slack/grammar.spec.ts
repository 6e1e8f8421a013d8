import fc from 'fast-check';
import { isValidVersion } from '../../../src/domain/names';
import { parseCommand } from '../../../src/slack/grammar';

describe('parseCommand', () => {
  it.each([
    ['', { kind: 'form' }],
    [
      'report production checkout returns 500',
      { kind: 'report', environment: 'production', text: 'checkout returns 500' },
    ],
    ['help', { kind: 'help' }],
    ['  HELP ', { kind: 'help' }],
    ['status', { kind: 'status' }],
    ['history', { kind: 'history', environment: null }],
    ['history production', { kind: 'history', environment: 'production' }],
    ['timeline rb-7k2m9qx4', { kind: 'timeline', id: 'rb-7k2m9qx4' }],
    ['production', { kind: 'rollback', environment: 'production', target: null, reason: '', dryRun: false }],
    [
      'production error rate 12% after the 14:02 deploy',
      {
        kind: 'rollback',
        environment: 'production',
        target: null,
        reason: 'error rate 12% after the 14:02 deploy',
        dryRun: false,
      },
    ],
    [
      'production to v1.4.2',
      { kind: 'rollback', environment: 'production', target: 'v1.4.2', reason: '', dryRun: false },
    ],
    [
      'production TO 3f2a9c1 p99 doubled',
      { kind: 'rollback', environment: 'production', target: '3f2a9c1', reason: 'p99 doubled', dryRun: false },
    ],
    [
      'staging   reason   with   spaces',
      { kind: 'rollback', environment: 'staging', target: null, reason: 'reason with spaces', dryRun: false },
    ],
    [
      'production --dry-run to v1 checking',
      { kind: 'rollback', environment: 'production', target: 'v1', reason: 'checking', dryRun: true },
    ],
    [
      'production towards the end',
      { kind: 'rollback', environment: 'production', target: null, reason: 'towards the end', dryRun: false },
    ],
  ])('%j', (text, expected) => {
    expect(parseCommand(text)).toEqual(expected);
  });

  it.each([
    ['status now', '`/rollback status` takes no arguments'],
    ['report', '`/rollback report` needs an environment'],
    ['history a b', '`/rollback history` takes at most an environment name'],
    ['timeline', '`/rollback timeline` takes a rollback id'],
    ['timeline ../etc', '`/rollback timeline` takes a rollback id'],
    ['report production', 'Say what you see'],
    ['production to', '`to` needs a version'],
    ['production to $(rm -rf /)', 'is not a valid version'],
    ['production to v1;reboot', 'is not a valid version'],
    ['<#C123|incident> oops', 'is not an environment name'],
    ['prod;uction', 'is not an environment name'],
    [`production ${'x'.repeat(501)}`, 'keep it under 500'],
  ])('%j is a usage message', (text, fragment) => {
    const parsed = parseCommand(text);
    expect(parsed.kind).toBe('invalid');
    expect(parsed.kind === 'invalid' && parsed.message).toContain(fragment);
    expect(parsed.kind === 'invalid' && parsed.message).toContain('Usage:');
  });

  it('never throws, and every request it accepts carries only a valid environment and version', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 300 }),
          fc.string({ unit: 'grapheme', maxLength: 100 }),
          fc
            .array(fc.constantFrom('production', 'to', 'v1', '`', '$(x)', '<@U1>', ' ', '\n', '🔥'), { maxLength: 12 })
            .map((w) => w.join(' ')),
        ),
        (text) => {
          const parsed = parseCommand(text);
          if (parsed.kind === 'rollback') {
            expect(parsed.environment).toMatch(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/);
            if (parsed.target !== null) expect(isValidVersion(parsed.target)).toBe(true);
            expect(parsed.reason.length).toBeLessThanOrEqual(500);
          }
          if (parsed.kind === 'invalid') expect(parsed.message.length).toBeGreaterThan(0);
        },
      ),
      { numRuns: 10_000 },
    );
  });
});

describe('isValidVersion', () => {
  it.each(['v1', '3f2a9c1', 'release-2024.11.02', 'v1.2.3_rc1'])('accepts %s', (v) =>
    expect(isValidVersion(v)).toBe(true),
  );
  it.each(['', '-v1', '.hidden', 'v1 v2', 'v1:latest', 'a/b', 'x'.repeat(129), 'v1\n'])('refuses %j', (v) =>
    expect(isValidVersion(v)).toBe(false),
  );
});
