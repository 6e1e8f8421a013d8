/**
 * The runbook's Step 3 offers three ways to roll back: Option A (the team's deploy script), Option B (Docker Swarm),
 * Option C (a GitHub Actions workflow). Each option answers the same questions for Steps 1, 3 and a restart.
 */
import type { EnvironmentConfig } from '../../config/config.schema';
import type { Rollback, RollbackEvent } from '../../domain/rollback.machine';
import type { ProbeObservation, ServiceVersion, ToolingCheck } from '../../domain/findings';
import type { RunbookDeps } from '../context';

export interface CurrentState {
  /** What runs now, per unit the option rolls back (Docker: each service; script / workflow: the environment). */
  services: ServiceVersion[];
  /** Whether the option's tooling answers ("confirm you have access to the tooling"). */
  tooling: ToolingCheck[];
  /** Why Step 1 cannot go on (nothing was changed), if it cannot. */
  blocked: { reason: string; code?: string } | null;
}

export interface RollbackOption {
  /** Step 1: what runs now and whether the tooling answers. Read-only. */
  inspect(deps: RunbookDeps, r: Rollback, env: EnvironmentConfig, health: ProbeObservation): Promise<CurrentState>;
  /** Step 1, once the target is known: whether it can be deployed at all (Docker pulls it). Read-only. */
  precheck(
    deps: RunbookDeps,
    r: Rollback,
    env: EnvironmentConfig,
    target: string,
  ): Promise<{ reason: string; code?: string } | null>;
  /** Step 3. */
  execute(deps: RunbookDeps, r: Rollback, env: EnvironmentConfig): Promise<RollbackEvent>;
  /** For a dry run: exactly what Step 3 would do, as lines of mrkdwn. */
  plan(r: Rollback, env: EnvironmentConfig): string[];
  /**
   * After a restart during Step 3 (announced, not finished): null when going on is safe, else why it is not
   * (a RollbackInterrupted event).
   */
  resumeCheck(deps: RunbookDeps, r: Rollback, env: EnvironmentConfig): Promise<RollbackEvent | null>;
}
