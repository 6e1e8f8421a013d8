/**
 * Step 4: Verify the rollback (3 minutes): health checks with retries, the version `/health` reports, smoke tests.
 */
import type { Rollback } from '../../domain/rollback';
import type { RollbackEvent } from '../../domain/rollback.events';
import type { ProbeObservation } from '../../domain/findings';
import { environmentOf, nowIso, type RunbookDeps } from '../engine/context';

export async function verifyRollback(deps: RunbookDeps, rollback: Rollback): Promise<RollbackEvent> {
  const env = environmentOf(deps.config, rollback);
  const target = rollback.target ?? '';
  const healthy = (o: ProbeObservation) => o.ok && o.version === target;
  const health = await deps.probe.probe(env.health.url, {
    attempts: env.health.retries,
    intervalMs: env.health.interval_ms,
    timeoutMs: env.health.timeout_ms,
    until: healthy,
  });
  // Smoke tests run even when health fails: the evidence helps whoever picks this up.
  const smokeTests = await Promise.all(
    env.smoke_tests.map((t) =>
      deps.probe.smokeTest({ name: t.name, url: t.url, expectStatus: t.expect_status }, env.health.timeout_ms),
    ),
  );
  const evidence = { health, smokeTests };
  const problems: string[] = [];
  if (!health.ok) {
    problems.push(
      `health check failed ${health.attempts} time(s) at ${health.url}: ${health.error ?? `HTTP ${health.status}`}`,
    );
  } else if (health.version !== target) {
    problems.push(`health reports version ${health.version ?? '(none)'} instead of ${target}`);
  }
  for (const t of smokeTests.filter((t) => !t.ok)) {
    problems.push(`smoke test "${t.name}" failed: ${t.error ?? `HTTP ${t.status}, expected ${t.expectedStatus}`}`);
  }
  if (problems.length > 0)
    return { type: 'VerificationFailed', at: nowIso(deps.clock), reason: problems.join('; '), evidence };
  return { type: 'RollbackVerified', at: nowIso(deps.clock), evidence };
}
