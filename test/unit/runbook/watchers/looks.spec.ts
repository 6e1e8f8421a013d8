/** The close watch's last looks: kept per environment; whether a look said something new. */
import { LastLooks } from '../../../../src/runbook/watchers/looks';

const look = (versions: string[], healthy: boolean, at = '2026-12-01T10:00:00.000Z') => ({
  versions,
  healthy,
  at,
  source: 'close_watch' as const,
});

it('keeps the newest look per environment and says when it differs from the one before', () => {
  const looks = new LastLooks();
  expect(looks.last('production')).toBeNull();
  expect(looks.record('production', look(['v2'], true))).toBe(true);
  // The same again, later: nothing new to draw (its age is drawn from the newest look).
  expect(looks.record('production', look(['v2'], true, '2026-12-01T10:00:10.000Z'))).toBe(false);
  expect(looks.last('production')?.at).toBe('2026-12-01T10:00:10.000Z');
  expect(looks.record('production', look(['v2'], false))).toBe(true);
  expect(looks.record('production', look(['v3'], false))).toBe(true);
  expect(looks.record('staging', look(['v3'], false))).toBe(true);
  expect(looks.last('production')?.versions).toEqual(['v3']);
});
