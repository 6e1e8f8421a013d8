/** Whether what runs now is still what Step 1 showed on the card. */
import type { Rollback } from '../../../../src/domain/rollback';
import { productionChanged } from '../../../../src/runbook/steps/production-changed';
import { approvedEvents, draftRollback, rollbackAfter, unitWorld } from '../../../support/fakes';

const AT = '2026-12-01T10:00:00.000Z';
const approved = (): Rollback => rollbackAfter(draftRollback(AT), approvedEvents(AT));

describe('productionChanged', () => {
  it('is null while every service runs what Step 1 saw', async () => {
    expect(await productionChanged(unitWorld().deps, approved())).toBeNull();
  });

  it('names what runs now when a service was deployed since', async () => {
    const w = unitWorld();
    w.runtime.deployByHand('v3');
    expect(await productionChanged(w.deps, approved())).toEqual([
      { service: 'backend', dockerService: 'demo-backend', version: 'v3', previousVersion: 'v2' },
      { service: 'frontend', dockerService: 'demo-frontend', version: 'v3', previousVersion: 'v2' },
    ]);
  });

  it('lets what Step 1 saw stand for a service it cannot read now', async () => {
    const w = unitWorld();
    w.runtime.deployByHand('v3');
    const inspect = w.runtime.inspectService.bind(w.runtime);
    w.runtime.inspectService = async (name) => {
      if (name === 'demo-frontend') throw new Error('docker out of reach');
      return inspect(name);
    };
    expect(await productionChanged(w.deps, approved())).toEqual([
      expect.objectContaining({ service: 'backend', version: 'v3' }),
      expect.objectContaining({ service: 'frontend', version: 'v2' }),
    ]);
  });

  it('is null without findings, or for an environment no longer in the config', async () => {
    const w = unitWorld();
    w.runtime.deployByHand('v3');
    expect(await productionChanged(w.deps, { ...approved(), findings: null })).toBeNull();
    expect(await productionChanged(w.deps, { ...approved(), environment: 'staging' })).toBeNull();
  });
});
