/** Step 3: the environment's option runs, and a rollback without a recorded target changes nothing. */
import type { Rollback } from '../../../../src/domain/rollback';
import { executeRollback } from '../../../../src/runbook/steps/3-execute';
import { approvedEvents, draftRollback, rollbackAfter, unitWorld } from '../../../support/fakes';

const AT = '2026-12-01T10:00:00.000Z';
const approved = (): Rollback => rollbackAfter(draftRollback(AT), approvedEvents(AT));

describe('executeRollback', () => {
  it('runs the environment’s strategy (Docker here) to the target', async () => {
    const w = unitWorld();
    expect(await executeRollback(w.deps, approved())).toMatchObject({
      type: 'ServicesRolledBack',
      results: [
        { service: 'backend', outcome: 'rolled_back', fromVersion: 'v2', toVersion: 'v1' },
        { service: 'frontend', outcome: 'rolled_back', fromVersion: 'v2', toVersion: 'v1' },
      ],
    });
    expect(w.runtime.changes.map((c) => c.version)).toEqual(['v1', 'v1']);
  });

  it('fails without touching production when no target was recorded', async () => {
    const w = unitWorld();
    expect(await executeRollback(w.deps, { ...approved(), target: null })).toEqual({
      type: 'ExecutionFailed',
      at: AT,
      reason: 'No target version was recorded.',
      results: [],
    });
    expect(w.runtime.updates).toEqual([]);
  });

  it('throws, rather than guessing, when the environment left the config', async () => {
    const w = unitWorld();
    await expect(executeRollback(w.deps, { ...approved(), environment: 'staging' })).rejects.toThrow(
      'environment "staging" is no longer in the config',
    );
  });
});
