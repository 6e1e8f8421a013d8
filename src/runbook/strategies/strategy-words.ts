/**
 * How a strategy is talked about: plain text, no behaviour. slack/blocks reads it through ./words (the words-only
 * registry), so that drawing a card never loads what executes a rollback. Commands to paste are `code`; slack/blocks
 * escapes the rest and adds the headings and mentions around it.
 */
import type { ServiceResult } from '../../domain/findings';
import type { Deployment, Rollback } from '../../domain/rollback';

/** How a strategy is named and described. */
export interface StrategyWords {
  /** The runbook's name for it, in Step 3's title: "Docker Swarm", "deploy script", "GitHub Actions". */
  option: string;
  /** The card's heading over what runs: "Deployed versions (Docker)". */
  versions: string;
  /** Step 1's line once the tooling answered. */
  ready: string;
  /** What Step 1 checks, in its first threaded line. */
  inspecting: string;
  /** The heading over what runs, after an interruption: "What Docker reports now". */
  reportsNow: string;
  /** Why nothing can be proposed when no version was named and none was verified before. */
  noTarget: string;
}

/** Everything a strategy says: its words, and the advice that depends on the rollback at hand. */
export interface StrategyTexts {
  words: StrategyWords;
  /** Step 3 did not finish: what to do by hand, line by line. */
  manualRecovery(r: Rollback, failed: ServiceResult[]): string[];
  /** Interrupted (the bot stopped mid-step and could not go on): what to do next (shown under "Next steps"). */
  interruptedNextSteps(r: Rollback): string;
  /** Step 4 failed although Step 3 reported success: what the tooling says the state is (shown under "State"). */
  verifyFailedState(r: Rollback): string;
  /**
   * The threaded line when Step 3 records what it started (a process, a run, the services it updates), if the
   * strategy records one: text (slack/blocks escapes it) and links.
   */
  deploymentStarted?(d: Deployment): DeploymentLine | null;
}

/** A threaded line as pieces: plain text, and links slack/blocks draws. */
export type DeploymentLine = Array<string | { url: string; label: string }>;

/** Why a deploy script or workflow has nothing to propose: it keeps no previous version the bot can read. */
export const WHOLE_ENVIRONMENT_NO_TARGET =
  'this bot has not verified a version of this environment yet (a deploy script or workflow keeps no previous version the bot can read)';
