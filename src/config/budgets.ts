import type { StepName } from '../domain/rollback';
import type { BudgetConfig } from './config.schema';

/**
 * A step's time budget as configured (null: the step has none). Read by the runbook's overrun rules and by the
 * metrics that show each step's time against it, so it lives with the config both read.
 */
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
