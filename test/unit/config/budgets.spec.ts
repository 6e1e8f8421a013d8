import { budgetOf } from '../../../src/config/budgets';
import type { StepName } from '../../../src/domain/rollback';
import { unitConfig } from '../../support/fakes';

it('reads each timed step’s budget from the environment’s config, and none for the others', () => {
  const budgets = unitConfig({
    budgets: { confirm_ms: 1_000, announce_ms: 2_000, execute_ms: 3_000, verify_ms: 4_000 },
  }).environments.production.budgets;
  const steps: StepName[] = ['confirm', 'announce', 'execute', 'verify', 'complete'];
  expect(steps.map((s) => budgetOf(budgets, s))).toEqual([1_000, 2_000, 3_000, 4_000, null]);
});
