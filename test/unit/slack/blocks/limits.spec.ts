/** Block Kit's limits as text helpers: cut with "…" (never in a surrogate pair), whole lines, durations. */
import { context, fitLines, fitMessage, LIMITS, mrkdwn, seconds, truncate } from '../../../../src/slack/blocks/limits';

describe('truncate and fitMessage', () => {
  it('leaves short text alone, and cuts long text to the limit with "…"', () => {
    expect(truncate('abc', 3)).toBe('abc');
    expect(truncate('abcdef', 4)).toBe('abc…');
    expect(truncate('abcdef', 4)).toHaveLength(4);
  });

  it('never cuts an emoji in half', () => {
    const cut = truncate('ab😀cdef', 4);
    expect(cut).toBe('ab…');
    expect(() => encodeURIComponent(cut)).not.toThrow();
  });

  it('ends a message cut to fit with where to read the rest', () => {
    expect(fitMessage('0123456789AB', ' (m)', 10)).toBe('01234… (m)');
    expect(fitMessage('short', ' (more)', 12)).toBe('short');
  });
});

describe('mrkdwn and context', () => {
  it('keep to the section and context limits', () => {
    expect(mrkdwn('x'.repeat(LIMITS.sectionText + 5)).text).toHaveLength(LIMITS.sectionText);
    const many = context(...Array.from({ length: 12 }, (_, i) => `t${i}`));
    expect(many.elements).toHaveLength(LIMITS.contextElements);
  });
});

describe('fitLines', () => {
  it('keeps whole lines and says how many were left out', () => {
    const lines = ['aaaa', 'bbbb', 'cccc', 'dddd'];
    expect(fitLines(lines, 100, (n) => `+${n}`)).toBe('aaaa\nbbbb\ncccc\ndddd');
    expect(fitLines(lines, 12, (n) => `+${n}`)).toBe('aaaa\nbbbb\n+2');
  });
});

describe('seconds', () => {
  it('says seconds under a minute, minutes and seconds above', () => {
    expect(seconds('2026-12-01T10:00:00.000Z', '2026-12-01T10:00:03.200Z')).toBe('3.2 s');
    expect(seconds('2026-12-01T10:00:00.000Z', '2026-12-01T10:02:05.000Z')).toBe('2 min 5 s');
  });
});
