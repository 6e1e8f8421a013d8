/**
 * The runbook's time limits: Step 1 two minutes, Step 2 one, Step 3 five, Step 4 three (configurable per
 * environment). Pure: which overruns are due now and not yet reported.
 */
import type { BudgetConfig } from '../../config/config.schema';
import type { Rollback, StepName } from '../../domain/rollback';
import { budgetOf } from '../../config/budgets';

/** Steps whose overrun of twice the budget pages on-call. */
const PAGE_AT_TWICE: readonly StepName[] = ['execute', 'verify'];

export interface Overrun {
  step: StepName;
  budgetMs: number;
  /** 1: over budget; 2: over twice the budget. */
  factor: 1 | 2;
}

export function overrunsDue(r: Rollback, budgets: BudgetConfig, nowMs: number): Overrun[] {
  const due: Overrun[] = [];
  for (const [step, rec] of Object.entries(r.steps) as [StepName, Rollback['steps'][StepName]][]) {
    const budgetMs = budgetOf(budgets, step);
    if (budgetMs === null || rec.status !== 'running' || !rec.startedAt) continue;
    const elapsed = nowMs - Date.parse(rec.startedAt);
    if (elapsed > budgetMs && !r.overruns.includes(`${step}:1`)) due.push({ step, budgetMs, factor: 1 });
    if (PAGE_AT_TWICE.includes(step) && elapsed > 2 * budgetMs && !r.overruns.includes(`${step}:2`))
      due.push({ step, budgetMs, factor: 2 });
  }
  return due;
}

/** The ETA of the announcement when none is configured: what the budgets of Steps 2–5 add up to. */
export function etaFromBudgets(budgets: BudgetConfig): string {
  const minutes = Math.ceil((budgets.announce_ms + budgets.execute_ms + budgets.verify_ms) / 60_000);
  return `${minutes} minute${minutes === 1 ? '' : 's'}`;
}
