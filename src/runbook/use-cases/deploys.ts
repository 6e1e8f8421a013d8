/**
 * Deploys as CI reports them (POST /api/v1/deployments): recorded for the deployment log and Step 1's evidence; a
 * report for an environment whose deploys are locked is refused, kept as "attempted while locked", and told under the
 * card that locked it.
 */
import { randomUUID } from 'node:crypto';
import type { DeployReport } from '../../ports';
import { nowIso } from '../engine/context';
import { tell } from '../policies/audience';
import { sameCommit } from '../reports/evidence';
import type { DeployGate } from './queries';
import { UseCase } from './use-case';

export interface DeployInput {
  environment: string;
  version: string;
  commit: string | null;
  actor: string | null;
  url: string | null;
}

export type DeployOutcome =
  /** `earlierCommits`: other commits the same version was reported with before (kept both: see report()). */
  | { kind: 'recorded'; report: DeployReport; earlierCommits: string[] }
  | { kind: 'locked'; report: DeployReport; gate: Extract<DeployGate, { open: false }> }
  | { kind: 'unknown_environment' }
  | { kind: 'unavailable' };

/** How many earlier commits of the version are named back to the caller. */
const EARLIER_COMMITS = 5;

export class Deploys extends UseCase {
  /**
   * A version reported again with another commit is kept, not refused: re-deploying a mutable tag (`latest`, `main`)
   * from a new commit is an honest report, and a 409 would fail the CI job after the deploy already happened. The
   * caller is told, and the migration guard no longer trusts that version's commit (it answers "unknown").
   */
  async report(input: DeployInput, caller: string, gateOf: (env: string) => Promise<DeployGate | null>) {
    const store = this.deps.deploys;
    if (!store) return { kind: 'unavailable' } satisfies DeployOutcome;
    const gate = await gateOf(input.environment);
    if (!gate) return { kind: 'unknown_environment' } satisfies DeployOutcome;
    const report: DeployReport = {
      id: `dp-${randomUUID().slice(0, 12)}`,
      ...input,
      caller,
      at: nowIso(this.deps.clock),
      accepted: gate.open,
    };
    const earlier =
      gate.open && report.commit !== null
        ? await store.deployedCommits(report.environment, report.version, EARLIER_COMMITS)
        : [];
    await store.recordDeploy(report);
    if (gate.open) {
      const commit = report.commit;
      const earlierCommits = commit === null ? [] : earlier.filter((c) => !sameCommit(c, commit));
      return { kind: 'recorded', report, earlierCommits } satisfies DeployOutcome;
    }
    await tell(this.deps, gate.rollback, {
      type: 'Note',
      at: report.at,
      fact: { kind: 'deploy_refused', version: report.version, caller, actor: report.actor, url: report.url },
    });
    return { kind: 'locked', report, gate } satisfies DeployOutcome;
  }
}
