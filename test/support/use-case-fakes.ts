/** One use case on the in-memory world, without the service in front: what test/unit/runbook/use-cases/ builds on. */
import { RateLimiter } from '../../src/runbook/policies/limits';
import { RollbackRunner } from '../../src/runbook/steps/runner';
import type { UseCaseContext } from '../../src/runbook/use-cases/use-case';
import { type UnitWorld } from './fakes';

/** The context RollbackService gives its use cases, with the refusal limit from the world's config. */
export function useCaseContext(w: UnitWorld): UseCaseContext & { runner: RollbackRunner } {
  const { refusals } = w.deps.config.limits;
  return {
    deps: w.deps,
    runner: new RollbackRunner(w.deps, { owner: 'unit#1', leaseMs: 60_000 }),
    refusals: new RateLimiter(refusals.count, refusals.window_minutes * 60_000),
  };
}
