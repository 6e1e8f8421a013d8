import { configSchema } from '../../../../src/config/config.schema';
import { newRollback, type Rollback } from '../../../../src/domain/rollback';
import { etaFromBudgets, overrunsDue } from '../../../../src/runbook/policies/budgets';

const budgets = { confirm_ms: 120_000, announce_ms: 60_000, execute_ms: 300_000, verify_ms: 180_000 };
const T0 = Date.parse('2026-11-26T10:00:00.000Z');
const at = (ms: number) => new Date(T0 + ms).toISOString();

function running(step: 'confirm' | 'execute' | 'verify', overruns: string[] = []): Rollback {
  const r = newRollback({
    id: 'rb-1',
    environment: 'production',
    channel: 'C1',
    requestedBy: 'U1',
    at: at(0),
    reason: '',
    requestedTarget: null,
  });
  return { ...r, overruns, steps: { ...r.steps, [step]: { status: 'running', startedAt: at(0) } } };
}

describe('overrunsDue (a controllable clock: "now" is a parameter)', () => {
  it('says nothing within the budget, at the budget, and once just past it', () => {
    expect(overrunsDue(running('execute'), budgets, T0 + 299_999)).toEqual([]);
    expect(overrunsDue(running('execute'), budgets, T0 + 300_000)).toEqual([]);
    expect(overrunsDue(running('execute'), budgets, T0 + 300_001)).toEqual([
      { step: 'execute', budgetMs: 300_000, factor: 1 },
    ]);
    expect(overrunsDue(running('execute', ['execute:1']), budgets, T0 + 300_001)).toEqual([]);
  });

  it('pages at twice the budget for Steps 3 and 4 only', () => {
    expect(overrunsDue(running('execute', ['execute:1']), budgets, T0 + 600_001)).toEqual([
      { step: 'execute', budgetMs: 300_000, factor: 2 },
    ]);
    expect(overrunsDue(running('verify'), budgets, T0 + 360_001)).toEqual([
      { step: 'verify', budgetMs: 180_000, factor: 1 },
      { step: 'verify', budgetMs: 180_000, factor: 2 },
    ]);
    expect(overrunsDue(running('confirm', ['confirm:1']), budgets, T0 + 10 * 120_000)).toEqual([]);
  });

  it('ignores finished steps', () => {
    const r = running('execute');
    const done = {
      ...r,
      steps: { ...r.steps, execute: { status: 'done' as const, startedAt: at(0), endedAt: at(900_000) } },
    };
    expect(overrunsDue(done, budgets, T0 + 900_000)).toEqual([]);
  });
});

describe('etaFromBudgets', () => {
  it('adds up Steps 2 to 4, as the announcement goes out at Step 2', () => {
    expect(etaFromBudgets(budgets)).toBe('9 minutes');
    expect(etaFromBudgets({ ...budgets, announce_ms: 1000, execute_ms: 1000, verify_ms: 1000 })).toBe('1 minute');
  });

  it('uses the runbook budgets by default', () => {
    const env = configSchema.parse({
      roles: { incident_commanders: { users: ['U0IC'] } },
      environments: {
        production: {
          channel: 'C0CHAN',
          strategy: 'docker',
          health: { url: 'http://h/health' },
          services: [{ name: 'b', docker_service: 'b', image: 'r/b' }],
        },
      },
    }).environments.production;
    expect(env.budgets).toEqual(budgets);
  });
});
