/**
 * Step 3: Execute the rollback (5 minutes) — with the option the environment is configured for: the runbook's
 * Option A (deploy script), B (Docker Swarm) or C (GitHub Actions). See ../strategies.
 */
import { type Rollback } from '../../domain/rollback';
import { type RollbackEvent } from '../../domain/rollback.events';
import { environmentOf, nowIso, type RunbookDeps } from '../engine/context';
import { strategyFor } from '../strategies';

export async function executeRollback(deps: RunbookDeps, rollback: Rollback): Promise<RollbackEvent> {
  if (!rollback.target) {
    return { type: 'ExecutionFailed', at: nowIso(deps.clock), reason: 'No target version was recorded.', results: [] };
  }
  return strategyFor(rollback).execute(deps, rollback, environmentOf(deps.config, rollback));
}
