/**
 * A step's time budget as the environment's config sets it (Step 5 has none). Here, beside the config, so that the
 * runbook (overruns) and the metrics (the budget gauge) read the same number without the metrics loading the runbook.
 */
import type { StepName } from '../domain/rollback';
import type { BudgetConfig } from './config.schema';

export function budgetOf(budgets: BudgetConfig, step: StepName): number | null {
  switch (step) {
    case 'confirm':
      return budgets.confirm_ms;
    case 'announce':
      return budgets.announce_ms;
    case 'execute':
      return budgets.execute_ms;
    case 'verify':
      return budgets.verify_ms;
    default:
      return null;
  }
}
