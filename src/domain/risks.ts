/**
 * What an incident commander must explicitly accept before Approve counts: the runbook's decision criteria not met,
 * or database migrations in the bad deployment.
 */
import type { Findings } from './findings';

/** What an incident commander must explicitly accept before Approve counts. */
export type Risk = 'no_criterion' | 'migrations';
export const RISK_LABEL: Record<Risk, string> = {
  no_criterion: 'Roll back anyway',
  migrations: 'I understand: migrations are forward-only',
};

/** The risks the findings raise: no decision criterion met, or migrations in (or possibly in) the bad deployment. */
export function risksOf(findings: Findings | null): Risk[] {
  const risks: Risk[] = [];
  if (findings?.criteria?.overall === 'none') risks.push('no_criterion');
  if (findings?.migrations && findings.migrations.verdict !== 'none') risks.push('migrations');
  return risks;
}

/** The risks no incident commander has acknowledged yet. */
export function unacknowledged(r: {
  findings: Findings | null;
  acknowledgements: ReadonlyArray<{ risk: Risk }>;
}): Risk[] {
  return risksOf(r.findings).filter((risk) => !r.acknowledgements.some((a) => a.risk === risk));
}
