/**
 * The runbook's Step 3 offers three ways to roll back: Option A (the team's deploy script), Option B (Docker Swarm),
 * Option C (a GitHub Actions workflow). Each is a strategy in its own folder, answering the same questions for Steps
 * 1, 3 and 4, an approval, a restart and the words used about it, and contributing its config section (config.ts).
 * A strategy is data to the rest of the bot: its name is a key of the registry (./index.ts), and nothing outside its
 * folder asks which one it is — what differs is asked of it (its words, its config section, the ports it needs).
 * Everything a strategy says is plain text in which commands to paste are `code`: slack/blocks escapes it, and adds
 * the headings and mentions around it.
 */
import type { EnvironmentConfig } from '../../config/config.schema';
import type { StrategyConfig } from '../../config/primitives';
import type { Rollback } from '../../domain/rollback';
import type { RollbackEvent } from '../../domain/rollback.events';
import type { ProbeObservation, ServiceVersion, ToolingCheck } from '../../domain/findings';
import type { RunbookDeps } from '../engine/context';
import type { StrategyTexts } from './strategy-words';

export type { StrategyWords } from './strategy-words';

export interface CurrentState {
  /** What runs now, per unit the option rolls back (Docker: each service; script / workflow: the environment). */
  services: ServiceVersion[];
  /** Whether the option's tooling answers ("confirm you have access to the tooling"). */
  tooling: ToolingCheck[];
  /** Why Step 1 cannot go on (nothing was changed), if it cannot. */
  blocked: { reason: string; code?: string } | null;
}

/**
 * The outside world a strategy reaches through RunbookDeps' ports, so that the composition wires (and waits for)
 * only what the configured strategies use. `runtime`: a container platform (ContainerRuntime), whose service events
 * also tell of hands-on changes to the environment's `services:`. A strategy that needs a port of its own closes
 * over it: its folder exports a function of the port, and the registration line passes the adapter.
 */
export type StrategyPort = 'runtime' | 'probe' | 'scripts' | 'workflows';

export interface RollbackStrategy extends StrategyTexts {
  /** The name environments choose it by (`strategy: docker`): the registry's key. */
  name: string;
  /** Its section of an environment's settings, and its checks. */
  config: StrategyConfig;
  /** The ports of RunbookDeps it uses. */
  needs: readonly StrategyPort[];
  /**
   * What runs now, per unit the strategy rolls back, without Step 1's health retries: for the form's proposal
   * (`probe: false`, it must be fast) and the re-check at Approve (`probe: true`). A version is null where it cannot
   * be read.
   */
  currentVersions(
    deps: RunbookDeps,
    r: Rollback,
    env: EnvironmentConfig,
    opts: { probe: boolean },
  ): Promise<ServiceVersion[]>;
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
