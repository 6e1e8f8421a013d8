/** One use case on the in-memory world, without the service in front: what test/unit/runbook/use-cases/ builds on. */
import type { Findings } from '../../src/domain/findings';
import type { Rollback } from '../../src/domain/rollback';
import { applyEvent } from '../../src/runbook/engine/context';
import { RateLimiter } from '../../src/runbook/policies/limits';
import { RollbackRunner } from '../../src/runbook/steps/runner';
import type { UseCaseContext } from '../../src/runbook/use-cases/use-case';
import { approvedEvents, draftRollback, type UnitWorld } from './fakes';

/** The context RollbackService gives its use cases, with the refusal limit from the world's config. */
export function useCaseContext(w: UnitWorld): UseCaseContext & { runner: RollbackRunner } {
  const { refusals } = w.deps.config.limits;
  return {
    deps: w.deps,
    runner: new RollbackRunner(w.deps, { owner: 'unit#1', leaseMs: 60_000 }),
    refusals: new RateLimiter(refusals.count, refusals.window_minutes * 60_000),
  };
}

/**
 * Rollback `id` in the world's store after Step 1: awaiting approval of v2 → v1, `findings` merged over the
 * default ones (criteria, migrations…). Its lease is long gone, so a use case may drive it.
 */
export async function awaitingApproval(
  w: UnitWorld,
  over: { id?: string; at?: string; findings?: Omit<Partial<Findings>, 'target'>; requestedBy?: string } = {},
): Promise<Rollback> {
  const at = over.at ?? w.clock.now().toISOString();
  const id = over.id ?? 'rb-1';
  const draft = { ...draftRollback(at, { id }), ...(over.requestedBy ? { requestedBy: over.requestedBy } : {}) };
  const created = await w.store.create(draft, { owner: 'gone#1', until: 0 });
  if (!created.ok) throw new Error(`could not create ${id}`);
  const [started, confirmed] = approvedEvents(at);
  for (const e of [
    started,
    confirmed.type === 'IssueConfirmed'
      ? { ...confirmed, findings: { ...confirmed.findings, ...over.findings } }
      : confirmed,
  ]) {
    const applied = await applyEvent(w.store, id, e);
    if (!applied.ok) throw new Error(applied.rejection.message);
  }
  const r = await w.store.get(id);
  if (r?.status !== 'awaiting_approval') throw new Error(`${id} is ${r?.status}`);
  return r;
}
