import { evaluateCriteria, type Observations, type Observed } from '../../../src/domain/criteria';

const v = (value: number): Observed => ({ value });
const unknown = (why: string): Observed => ({ unknown: why });
const calm: Observations = {
  errorRate: v(0.01),
  p99Seconds: v(0.2),
  baselineP99Seconds: v(0.2),
  healthFailures: v(0),
  memory: v(0.5),
  userReports: v(0),
};
const verdictOf = (o: Partial<Observations>, signal: string) =>
  evaluateCriteria({ ...calm, ...o }).rows.find((r) => r.signal === signal)?.verdict;

describe('evaluateCriteria (the runbook thresholds)', () => {
  it.each([
    ['error_rate', { errorRate: v(0.049) }, 'not_met'],
    ['error_rate', { errorRate: v(0.05) }, 'not_met'],
    ['error_rate', { errorRate: v(0.0501) }, 'met'],
    ['p99_latency', { p99Seconds: v(0.399) }, 'not_met'],
    ['p99_latency', { p99Seconds: v(0.4) }, 'not_met'],
    ['p99_latency', { p99Seconds: v(0.401) }, 'met'],
    ['health_failures', { healthFailures: v(1) }, 'not_met'],
    ['health_failures', { healthFailures: v(2) }, 'met'],
    ['health_failures', { healthFailures: v(3) }, 'met'],
    ['memory', { memory: v(0.89) }, 'not_met'],
    ['memory', { memory: v(0.9) }, 'not_met'],
    ['memory', { memory: v(0.91) }, 'met'],
    ['user_reports', { userReports: v(2) }, 'not_met'],
    ['user_reports', { userReports: v(3) }, 'met'],
    ['user_reports', { userReports: v(4) }, 'met'],
  ] as const)('%s with %j → %s', (signal, o, verdict) => {
    expect(verdictOf(o, signal)).toBe(verdict);
  });

  it('gives the overall verdict: immediate beats evaluate beats none', () => {
    expect(evaluateCriteria(calm).overall).toBe('none');
    expect(evaluateCriteria({ ...calm, userReports: v(3) }).overall).toBe('evaluate');
    expect(evaluateCriteria({ ...calm, userReports: v(3), memory: v(0.95) }).overall).toBe('immediate');
  });

  it('never reads an unknown source as healthy, and says why it is unknown', () => {
    const e = evaluateCriteria({
      ...calm,
      errorRate: unknown('Prometheus: no answer within 3000 ms'),
      baselineP99Seconds: unknown('Prometheus: no data'),
    });
    expect(e.rows.find((r) => r.signal === 'error_rate')).toMatchObject({
      verdict: 'unknown',
      observed: 'unknown (Prometheus: no answer within 3000 ms)',
    });
    expect(e.rows.find((r) => r.signal === 'p99_latency')).toMatchObject({
      verdict: 'unknown',
      observed: 'baseline unknown (Prometheus: no data)',
    });
    expect(e.overall).toBe('none');
  });

  it('shows the numbers a person can check', () => {
    const e = evaluateCriteria({ ...calm, errorRate: v(0.12), p99Seconds: v(0.9), baselineP99Seconds: v(0.25) });
    expect(e.rows.map((r) => [r.label, r.threshold, r.observed, r.verdict])).toEqual([
      ['Error rate', '> 5.0 % of requests', '12 %', 'met'],
      ['p99 latency', '> 2× baseline (250 ms)', '900 ms (3.6×)', 'met'],
      ['Health check failures', '2+ consecutive', '0 consecutive', 'not_met'],
      ['Memory usage', '> 90 %', '50 %', 'not_met'],
      ['User-reported issues', '3+ unique reports', '0 unique', 'not_met'],
    ]);
  });

  it('takes thresholds overridden per environment', () => {
    expect(
      evaluateCriteria(
        { ...calm, errorRate: v(0.03) },
        { error_rate: 0.02, p99_latency_multiplier: 2, health_failures: 2, memory: 0.9, user_reports: 3 },
      ).overall,
    ).toBe('immediate');
  });
});
