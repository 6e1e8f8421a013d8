/**
 * The runbook's announcement texts, line by line ("Step 2: Announce Rollback", "Step 5: Announce Resolution"), in
 * the runbook's own words: plain text beginning with `@channel`. The Slack side turns that one `@channel` into a
 * real mention and shows everything else (the reason a user typed, versions) as text.
 */
import type { ServiceVersion } from './findings';

/** How the runbook's templates begin. */
export const CHANNEL_MENTION = '@channel';

export interface AnnounceFields {
  environment: string;
  currentVersion: string;
  targetVersion: string;
  reason: string;
  eta: string;
}

export function announceText(f: AnnounceFields): string {
  return [
    `${CHANNEL_MENTION} ROLLBACK IN PROGRESS`,
    `Environment: ${f.environment}`,
    `Current version: ${f.currentVersion}`,
    `Rolling back to: ${f.targetVersion}`,
    `Reason: ${f.reason}`,
    `ETA: ${f.eta}`,
  ].join('\n');
}

export function completionText(f: { environment: string; targetVersion: string }): string {
  return [
    `${CHANNEL_MENTION} ROLLBACK COMPLETE`,
    `Environment: ${f.environment}`,
    `Rolled back to: ${f.targetVersion}`,
    'Status: All health checks passing',
    'Next steps: RCA will be conducted within 24 hours',
  ].join('\n');
}

export const NO_REASON = '(no reason given)';

/** "v2" when every service runs the same version, else "backend v2, frontend v3". */
export function currentVersionOf(services: readonly ServiceVersion[]): string {
  const versions = new Set(services.map((s) => s.version ?? 'unknown'));
  if (versions.size === 1) return [...versions][0];
  return services.map((s) => `${s.service} ${s.version ?? 'unknown'}`).join(', ');
}
