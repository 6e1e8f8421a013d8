/** The risks an incident commander must accept before Approve counts, and those nobody acknowledged yet. */
import type { Findings } from '../../../src/domain/findings';
import { risksOf, unacknowledged } from '../../../src/domain/risks';

const findings = (over: Partial<Findings> = {}): Findings => ({
  health: null,
  ready: null,
  services: [],
  target: 'v1',
  targetSource: 'swarm_previous_spec',
  targetNote: '',
  ...over,
});

describe('risksOf', () => {
  it('raises none for plain findings, or for none at all', () => {
    expect(risksOf(findings())).toEqual([]);
    expect(risksOf(null)).toEqual([]);
  });

  it('raises no criterion met, migrations included or unknown, and a target a rollback moved away from', () => {
    expect(
      risksOf(
        findings({
          criteria: { rows: [], overall: 'none' },
          migrations: { verdict: 'unknown', source: 'no code host', files: [] },
          rolledBackFrom: { rollbackId: 'rb-0', status: 'completed' },
        }),
      ),
    ).toEqual(['no_criterion', 'migrations', 'rolled_back_from']);
    expect(risksOf(findings({ migrations: { verdict: 'none', source: 'git diff', files: [] } }))).toEqual([]);
  });
});

describe('unacknowledged', () => {
  it('leaves out the risks an incident commander acknowledged', () => {
    const f = findings({
      criteria: { rows: [], overall: 'none' },
      migrations: { verdict: 'included', source: 'git diff', files: ['001.sql'] },
    });
    expect(unacknowledged({ findings: f, acknowledgements: [] })).toEqual(['no_criterion', 'migrations']);
    expect(unacknowledged({ findings: f, acknowledgements: [{ risk: 'migrations' }] })).toEqual(['no_criterion']);
  });
});
