/** The per-key limiter behind the API's failed-login limit and the per-user limits: its count, and its memory. */
import { API_LIMITS } from '../../../../src/api/api';
import { RateLimiter } from '../../../../src/runbook/policies/limits';

const MINUTE = 60_000;
const address = (i: number) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;

describe('RateLimiter', () => {
  it('refuses the 11th failed login of an address within a minute, and allows it again once the minute has passed', () => {
    const l = new RateLimiter(API_LIMITS.failuresPerMinute, MINUTE);
    const answers = Array.from({ length: 11 }, (_, i) => l.take('192.0.2.7', i * 1000));
    expect(answers).toEqual([...Array<boolean>(10).fill(true), false]);
    expect(l.take('198.51.100.1', 11_000)).toBe(true);
    // The first failure (at 0) leaves the window at 60 000; the refused one at 10 000 was not counted.
    expect(l.take('192.0.2.7', MINUTE - 1)).toBe(false);
    expect(l.take('192.0.2.7', MINUTE)).toBe(true);
    expect(l.take('192.0.2.7', MINUTE + 1)).toBe(false);
  });

  it('stays bounded after 100,000 distinct addresses within one minute, and still limits each address', () => {
    const l = new RateLimiter(API_LIMITS.failuresPerMinute, MINUTE, 10_000);
    let refused = 0;
    for (let i = 0; i < 100_000; i++) if (!l.take(address(i), i / 10)) refused++;
    expect(refused).toBe(0);
    expect(l.size).toBeLessThanOrEqual(10_000);
    // The most recent addresses keep their count: an address that failed 10 times just now is refused...
    for (let k = 0; k < 10; k++) l.take('192.0.2.7', 10_000 + k);
    expect(l.take('192.0.2.7', 10_010)).toBe(false);
    // ...and one of the flood's last addresses has 9 left.
    const last = address(99_999);
    expect(Array.from({ length: 10 }, () => l.take(last, 10_020))).toEqual([...Array<boolean>(9).fill(true), false]);
    expect(l.size).toBeLessThanOrEqual(10_000);
  });

  it('forgets addresses whose failures all left the window, from the oldest end, as it goes', () => {
    const l = new RateLimiter(API_LIMITS.failuresPerMinute, MINUTE, 10_000);
    for (let i = 0; i < 5_000; i++) l.take(address(i), i);
    expect(l.size).toBe(5_000);
    // A minute after the first 2,500: those are gone, the others are still counted.
    l.take('192.0.2.7', 2_499 + MINUTE);
    expect(l.size).toBe(2_500 + 1);
    l.take('192.0.2.8', 10 * MINUTE);
    expect(l.size).toBe(1);
  });
});
