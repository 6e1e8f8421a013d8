/** A dry run's plan: Steps 2 to 5 said, quoted, not done — and no live @channel in it. */
import { dryRunPlan } from '../../../../src/runbook/reports/dry-run';
import { approvedEvents, draftRollback, rollbackAfter, unitConfig } from '../../../support/fakes';

const AT = '2026-12-01T10:00:00.000Z';

describe('dryRunPlan', () => {
  const config = unitConfig({
    smoke_tests: [{ name: 'login', url: 'http://app.invalid/login', expect_status: 200 }],
  });
  const r = rollbackAfter(draftRollback(AT), approvedEvents(AT));
  const plan = dryRunPlan({ config }, r);

  it('walks Steps 2 to 5 in order', () => {
    const steps = ['*Step 2*', '*Step 4*', '*Step 5*'].map((s) => plan.indexOf(s));
    expect(steps.every((i) => i >= 0)).toBe(true);
    expect([...steps].sort((a, b) => a - b)).toEqual(steps);
  });

  it('quotes both announcements line by line instead of sending them', () => {
    const quoted = plan.split('\n').filter((l) => l.startsWith('> '));
    expect(quoted).toContain('> Rolled back to: v1');
    expect(quoted).toContain('> Environment: production');
  });

  it('says what Step 4 would check: the health URL, its retries and the smoke tests', () => {
    expect(plan).toContain('*Step 4* would check http://health.invalid/health up to');
    expect(plan).toContain('for version `v1`, and the smoke tests login (http://app.invalid/login → HTTP 200)');
  });

  it('names an unknown target when Step 1 found none', () => {
    expect(dryRunPlan({ config }, draftRollback(AT))).toContain('for version `unknown`');
  });
});
