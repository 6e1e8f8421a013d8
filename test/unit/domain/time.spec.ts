/** Times for people outside Slack: human UTC, one zone for every reader. */
import { humanUtc } from '../../../src/domain/time';

it('writes "3 Dec 2026 20:29 UTC", with seconds on request', () => {
  expect(humanUtc('2026-12-03T20:29:15.826Z')).toBe('3 Dec 2026 20:29 UTC');
  expect(humanUtc('2026-12-03T20:29:15.826Z', { seconds: true })).toBe('3 Dec 2026 20:29:15 UTC');
  expect(humanUtc(Date.UTC(2027, 0, 1, 0, 0, 0))).toBe('1 Jan 2027 00:00 UTC');
  expect(humanUtc(new Date(Date.UTC(2026, 4, 9, 7, 5, 3)), { seconds: true })).toBe('9 May 2026 07:05:03 UTC');
});

it('says UTC whatever the zone of an offset it was given', () => {
  expect(humanUtc('2026-12-03T21:29:15+01:00')).toBe('3 Dec 2026 20:29 UTC');
});

it('gives back a value that is not a time as it was, never "Invalid Date"', () => {
  expect(humanUtc('not a time')).toBe('not a time');
  expect(humanUtc(Number.NaN)).toBe('NaN');
});
