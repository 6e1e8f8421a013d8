/**
 * Step 3: Execute the rollback (5 minutes) — the runbook's Option B, Docker Swarm.
 * Every service of the environment is pointed at the target image; the services are one unit, so the result
 * says what each one runs now when any of them fails.
 */
import { describeError, isCoded } from '../domain/errors';
import type { Rollback, RollbackEvent, ServiceResult } from '../domain/rollback.machine';
import { environmentOf, nowIso, type RunbookDeps } from './context';

export async function executeRollback(deps: RunbookDeps, rollback: Rollback): Promise<RollbackEvent> {
  const env = environmentOf(deps.config, rollback);
  const target = rollback.target;
  if (!target) {
    return { type: 'ExecutionFailed', at: nowIso(deps.clock), reason: 'No target version was recorded.', results: [] };
  }
  const before = new Map((rollback.findings?.services ?? []).map((s) => [s.service, s.version]));

  const results: ServiceResult[] = await Promise.all(
    env.services.map(async (s): Promise<ServiceResult> => {
      const base = { service: s.name, dockerService: s.docker_service, fromVersion: before.get(s.name) ?? null, toVersion: target };
      try {
        await deps.runtime.rollServiceTo(s.docker_service, s.image, target, { timeoutMs: env.docker.convergence_timeout_ms });
        return { ...base, outcome: 'rolled_back', runningVersion: target };
      } catch (err) {
        deps.log.warn({ err, service: s.docker_service, code: isCoded(err) ? err.code : undefined }, 'service rollback failed');
        const running = await deps.runtime.inspectService(s.docker_service).then(
          (r) => r.version,
          () => null,
        );
        return { ...base, outcome: 'failed', runningVersion: running, detail: describeError(err), errorCode: isCoded(err) ? err.code : undefined };
      }
    }),
  );

  const failed = results.filter((r) => r.outcome === 'failed');
  if (failed.length === 0) return { type: 'ServicesRolledBack', at: nowIso(deps.clock), results };
  const reason =
    failed.length === results.length
      ? `No service was rolled back: ${failed.map((f) => `${f.service}: ${f.detail}`).join('; ')}`
      : `Partial rollback: ${results.map((r) => `${r.service} ${r.outcome === 'rolled_back' ? `is on ${target}` : `failed (${r.detail}) and runs ${r.runningVersion ?? 'an unknown version'}`}`).join('; ')}`;
  return { type: 'ExecutionFailed', at: nowIso(deps.clock), reason, code: failed[0].errorCode, results };
}
