/** Step 4: health with retries until it reports the target, the smoke tests, and every problem named. */
import type { Rollback } from '../../../../src/domain/rollback';
import type { HealthProbe } from '../../../../src/ports';
import { verifyRollback } from '../../../../src/runbook/steps/4-verify';
import {
  approvedEvents,
  draftRollback,
  healthyProbe,
  rollbackAfter,
  unitConfig,
  unitWorld,
} from '../../../support/fakes';

const AT = '2026-12-01T10:00:00.000Z';
const approved = (): Rollback => rollbackAfter(draftRollback(AT), approvedEvents(AT));
const SMOKE = { smoke_tests: [{ name: 'home', url: 'http://app.invalid/home', expect_status: 200 }] };

describe('verifyRollback', () => {
  it('passes when /health answers with the target and the smoke tests pass, keeping the evidence', async () => {
    const w = unitWorld(unitConfig(SMOKE));
    expect(await verifyRollback(w.deps, approved())).toEqual({
      type: 'RollbackVerified',
      at: AT,
      evidence: {
        health: expect.objectContaining({ ok: true, version: 'v1' }),
        smokeTests: [expect.objectContaining({ name: 'home', ok: true })],
      },
    });
  });

  it('asks the probe to retry as configured until /health reports the target', async () => {
    const asked: unknown[] = [];
    const probe: HealthProbe = {
      ...healthyProbe('v1'),
      probe: async (url, opts) => {
        asked.push(opts.until?.({ url, ok: true, attempts: 1, status: 200, version: 'v2' }));
        asked.push(opts.until?.({ url, ok: true, attempts: 1, status: 200, version: 'v1' }));
        asked.push({ attempts: opts.attempts, intervalMs: opts.intervalMs, timeoutMs: opts.timeoutMs });
        return healthyProbe('v1').probe(url, opts);
      },
    };
    const w = unitWorld(unitConfig({ health: { url: 'http://health.invalid/health', retries: 3, interval_ms: 10 } }), {
      probe,
    });
    await verifyRollback(w.deps, approved());
    expect(asked).toEqual([false, true, { attempts: 3, intervalMs: 10, timeoutMs: 5000 }]);
  });

  it('names every problem: health down, and a smoke test that failed (run even so)', async () => {
    const probe: HealthProbe = {
      probe: async (url) => ({ url, ok: false, attempts: 5, status: 503 }),
      smokeTest: async (t) => ({ name: t.name, url: t.url, ok: false, expectedStatus: 200, status: 500 }),
    };
    const w = unitWorld(unitConfig(SMOKE), { probe });
    expect(await verifyRollback(w.deps, approved())).toMatchObject({
      type: 'VerificationFailed',
      reason:
        'health check failed 5 time(s) at http://health.invalid/health: HTTP 503; smoke test "home" failed: HTTP 500, expected 200',
    });
  });

  it('fails when /health is up but reports another version', async () => {
    const w = unitWorld(undefined, { probe: healthyProbe('v2') });
    expect(await verifyRollback(w.deps, approved())).toMatchObject({
      type: 'VerificationFailed',
      reason: 'health reports version v2 instead of v1',
    });
  });
});
