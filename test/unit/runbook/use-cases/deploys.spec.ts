/** Deploys as CI reports them, on the in-memory world: recorded when the gate is open, refused and told when it is shut. */
import { Deploys } from '../../../../src/runbook/use-cases/deploys';
import type { DeployGate } from '../../../../src/runbook/use-cases/queries';
import { draftRollback, unitWorld } from '../../../support/fakes';
import { useCaseContext } from '../../../support/use-case-fakes';

const input = (commit: string | null = 'abc1234') => ({
  environment: 'production',
  version: 'v3',
  commit,
  actor: 'CI run #900',
  url: null,
});
const open = async (environment: string): Promise<DeployGate> => ({ environment, open: true });

describe('Deploys.report', () => {
  it('records a deploy while the gate is open, naming other commits the version was reported with before', async () => {
    const w = unitWorld();
    const deploys = new Deploys(useCaseContext(w));
    const first = await deploys.report(input('abc1234'), 'github-ci', open);
    expect(first).toMatchObject({
      kind: 'recorded',
      earlierCommits: [],
      report: { accepted: true, caller: 'github-ci' },
    });
    expect(first.kind === 'recorded' && first.report.id).toMatch(/^dp-[0-9a-f-]{12}$/);
    const again = await deploys.report(input('def5678'), 'github-ci', open);
    expect(again).toMatchObject({ kind: 'recorded', earlierCommits: ['abc1234'] });
    // The same commit, abbreviated differently, is not another one.
    expect(await deploys.report(input('abc1234ffff'), 'github-ci', open)).toMatchObject({
      kind: 'recorded',
      earlierCommits: ['def5678'],
    });
    expect(await w.store.deploys('production', 10)).toHaveLength(3);
  });

  it('keeps a deploy reported while the gate is shut as refused, and tells it under the card that shut it', async () => {
    const w = unitWorld();
    const deploys = new Deploys(useCaseContext(w));
    const rollback = draftRollback('2026-12-01T10:00:00.000Z');
    const shut: DeployGate = {
      environment: 'production',
      open: false,
      reason: 'rolled_back',
      since: '2026-12-01T10:00:00.000Z',
      rollback,
      clear: { who: 'an incident commander', how: [], incident_commanders: [], incident_commander_groups: [] },
    };
    const out = await deploys.report(input(), 'github-ci', async () => shut);
    expect(out).toMatchObject({ kind: 'locked', gate: shut, report: { accepted: false } });
    expect(await w.store.deploys('production', 10)).toEqual([expect.objectContaining({ accepted: false })]);
    expect(w.notifier.told.map((t) => t.event)).toEqual([
      expect.objectContaining({
        type: 'Note',
        fact: { kind: 'deploy_refused', version: 'v3', caller: 'github-ci', actor: 'CI run #900', url: null },
      }),
    ]);
  });

  it('answers an unknown environment, and a store that keeps no deploys, without recording', async () => {
    const w = unitWorld();
    expect(await new Deploys(useCaseContext(w)).report(input(), 'ci', async () => null)).toEqual({
      kind: 'unknown_environment',
    });
    expect(await w.store.deploys('production', 10)).toEqual([]);
    const bare = unitWorld(undefined, { deploys: undefined });
    expect(await new Deploys(useCaseContext(bare)).report(input(), 'ci', open)).toEqual({ kind: 'unavailable' });
  });
});
