/**
 * The runbook's "Rollback Decision Criteria", evaluated. Pure: observations in, verdicts out.
 *
 * | Signal                | Threshold          | Action                    |
 * | Error rate            | > 5% of requests   | Immediate rollback        |
 * | p99 latency           | > 2x baseline      | Immediate rollback        |
 * | Health check failures | 2+ consecutive     | Immediate rollback        |
 * | Memory usage          | > 90%              | Immediate rollback        |
 * | User-reported issues  | 3+ unique reports  | Evaluate, likely rollback |
 */

export interface Thresholds {
  /** Ratio of failed requests (0.05 = 5 %); tripped when strictly above. */
  error_rate: number;
  /** p99 over its baseline; tripped when strictly above. */
  p99_latency_multiplier: number;
  /** Consecutive failed health checks; tripped at this many or more. */
  health_failures: number;
  /** Memory used (0.9 = 90 %); tripped when strictly above. */
  memory: number;
  /** Unique reporters within the window; tripped at this many or more. */
  user_reports: number;
}

export const RUNBOOK_THRESHOLDS: Thresholds = {
  error_rate: 0.05,
  p99_latency_multiplier: 2,
  health_failures: 2,
  memory: 0.9,
  user_reports: 3,
};

/** A measurement, or why there is none. "Unknown" is never read as healthy. */
export type Observed = { value: number } | { unknown: string };

export interface Observations {
  errorRate: Observed;
  p99Seconds: Observed;
  baselineP99Seconds: Observed;
  healthFailures: Observed;
  memory: Observed;
  userReports: Observed;
}

export type Signal = 'error_rate' | 'p99_latency' | 'health_failures' | 'memory' | 'user_reports';
export type SignalVerdict = 'met' | 'not_met' | 'unknown';
export type Action = 'immediate' | 'evaluate';
export type Overall = 'immediate' | 'evaluate' | 'none';

export interface CriterionRow {
  signal: Signal;
  label: string;
  threshold: string;
  observed: string;
  verdict: SignalVerdict;
  action: Action;
}

export interface Evaluation {
  rows: CriterionRow[];
  overall: Overall;
}

export const OVERALL_LABEL: Record<Overall, string> = {
  immediate: 'Immediate rollback',
  evaluate: 'Evaluate, likely rollback',
  none: 'No criterion met',
};

const pct = (x: number) => `${(x * 100).toFixed(x < 0.1 ? 1 : 0)} %`;
const ms = (seconds: number) => `${Math.round(seconds * 1000)} ms`;
const known = (o: Observed): o is { value: number } => 'value' in o && Number.isFinite(o.value);
const why = (o: Observed) => ('unknown' in o ? `unknown (${o.unknown})` : 'unknown');

export function evaluateCriteria(o: Observations, t: Thresholds = RUNBOOK_THRESHOLDS): Evaluation {
  const rows: CriterionRow[] = [];

  rows.push({
    signal: 'error_rate',
    label: 'Error rate',
    threshold: `> ${pct(t.error_rate)} of requests`,
    observed: known(o.errorRate) ? pct(o.errorRate.value) : why(o.errorRate),
    verdict: known(o.errorRate) ? (o.errorRate.value > t.error_rate ? 'met' : 'not_met') : 'unknown',
    action: 'immediate',
  });

  if (known(o.p99Seconds) && known(o.baselineP99Seconds) && o.baselineP99Seconds.value > 0) {
    const ratio = o.p99Seconds.value / o.baselineP99Seconds.value;
    rows.push({
      signal: 'p99_latency',
      label: 'p99 latency',
      threshold: `> ${t.p99_latency_multiplier}× baseline (${ms(o.baselineP99Seconds.value)})`,
      observed: `${ms(o.p99Seconds.value)} (${ratio.toFixed(1)}×)`,
      verdict: ratio > t.p99_latency_multiplier ? 'met' : 'not_met',
      action: 'immediate',
    });
  } else {
    const missing = !known(o.p99Seconds)
      ? why(o.p99Seconds)
      : known(o.baselineP99Seconds)
        ? 'unknown (baseline is 0)'
        : `baseline ${why(o.baselineP99Seconds)}`;
    rows.push({
      signal: 'p99_latency',
      label: 'p99 latency',
      threshold: `> ${t.p99_latency_multiplier}× baseline`,
      observed: missing,
      verdict: 'unknown',
      action: 'immediate',
    });
  }

  rows.push({
    signal: 'health_failures',
    label: 'Health check failures',
    threshold: `${t.health_failures}+ consecutive`,
    observed: known(o.healthFailures) ? `${o.healthFailures.value} consecutive` : why(o.healthFailures),
    verdict: known(o.healthFailures) ? (o.healthFailures.value >= t.health_failures ? 'met' : 'not_met') : 'unknown',
    action: 'immediate',
  });

  rows.push({
    signal: 'memory',
    label: 'Memory usage',
    threshold: `> ${pct(t.memory)}`,
    observed: known(o.memory) ? pct(o.memory.value) : why(o.memory),
    verdict: known(o.memory) ? (o.memory.value > t.memory ? 'met' : 'not_met') : 'unknown',
    action: 'immediate',
  });

  rows.push({
    signal: 'user_reports',
    label: 'User-reported issues',
    threshold: `${t.user_reports}+ unique reports`,
    observed: known(o.userReports) ? `${o.userReports.value} unique` : why(o.userReports),
    verdict: known(o.userReports) ? (o.userReports.value >= t.user_reports ? 'met' : 'not_met') : 'unknown',
    action: 'evaluate',
  });

  const met = rows.filter((r) => r.verdict === 'met');
  const overall: Overall = met.some((r) => r.action === 'immediate')
    ? 'immediate'
    : met.length > 0
      ? 'evaluate'
      : 'none';
  return { rows, overall };
}
