/**
 * Deploys as CI reports them (POST /api/v1/deployments): recorded for the deployment log and Step 1's evidence; a
 * report for an environment whose deploys are locked is refused, kept as "attempted while locked", and told under the
 * card that locked it.
 */
import { randomUUID } from 'node:crypto';
import type { DeployReport } from '../../ports';
import { nowIso } from '../context';
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
  | { kind: 'recorded'; report: DeployReport }
  | { kind: 'locked'; report: DeployReport; gate: Extract<DeployGate, { open: false }> }
  | { kind: 'unknown_environment' }
  | { kind: 'unavailable' };

export class Deploys extends UseCase {
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
    await store.recordDeploy(report);
    if (gate.open) return { kind: 'recorded', report } satisfies DeployOutcome;
    await this.deps.notifier.progress(gate.rollback, {
      type: 'Note',
      at: report.at,
      fact: { kind: 'deploy_refused', version: report.version, caller, actor: report.actor, url: report.url },
    });
    return { kind: 'locked', report, gate } satisfies DeployOutcome;
  }
}
