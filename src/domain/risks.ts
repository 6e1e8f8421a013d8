/**
 * What an incident commander must explicitly accept before Approve counts: the runbook's decision criteria not met,
 * database migrations in the bad deployment, or a target that a rollback since the environment's mark was last
 * cleared moved production away from.
 */
import type { Findings } from './findings';

/** What an incident commander must explicitly accept before Approve counts. */
export type Risk = 'no_criterion' | 'migrations' | 'rolled_back_from';
export const RISK_LABEL: Record<Risk, string> = {
  no_criterion: 'Roll back anyway',
  migrations: 'I understand: migrations are forward-only',
  rolled_back_from: 'I understand: a rollback moved away from this version',
};

/**
 * The risks the findings raise: no decision criterion met, migrations in (or possibly in) the bad deployment, or a
 * target named with `to` that a rollback since the last clearing moved production away from.
 */
export function risksOf(findings: Findings | null): Risk[] {
  const risks: Risk[] = [];
  if (findings?.criteria?.overall === 'none') risks.push('no_criterion');
  if (findings?.migrations && findings.migrations.verdict !== 'none') risks.push('migrations');
  if (findings?.rolledBackFrom) risks.push('rolled_back_from');
  return risks;
}

/** The risks no incident commander has acknowledged yet. */
export function unacknowledged(r: {
  findings: Findings | null;
  acknowledgements: ReadonlyArray<{ risk: Risk }>;
}): Risk[] {
  return risksOf(r.findings).filter((risk) => !r.acknowledgements.some((a) => a.risk === risk));
}
