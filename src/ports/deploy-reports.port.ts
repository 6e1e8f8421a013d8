/** Deploys as CI reports them (POST /api/v1/deployments): what was deployed where, when, by what. */
export interface DeployReport {
  id: string;
  environment: string;
  version: string;
  commit: string | null;
  /** Who or what deployed: "CI run #812", a person. */
  actor: string | null;
  /** A link to the run or the release. */
  url: string | null;
  /** The API caller (its token's name in the config). */
  caller: string;
  at: string;
  /** False: reported while deploys were locked after a rollback (refused, kept as "attempted while locked"). */
  accepted: boolean;
  /**
   * When the bot saw this deploy stay healthy — through its whole close watch after the deploy, or in Step 4 of a
   * rollback to its version; null until then (absent: treated as null).
   */
  verifiedAt?: string | null;
}

export interface DeployReports {
  recordDeploy(report: DeployReport): Promise<void>;
  /** The environment's reports, newest first. */
  deploys(environment: string, limit: number): Promise<DeployReport[]>;
  /**
   * The newest accepted report of `version` in `environment` was seen healthy at `at` (kept once: the first time).
   * False when there is no such report or it was already marked.
   */
  markDeployVerified(environment: string, version: string, at: string): Promise<boolean>;
  /**
   * The distinct commits of the accepted reports of `version` in `environment` that name one, newest report first
   * (at most `limit`). More than one means the tag was re-pushed, or one report is wrong: the tag alone no longer
   * tells which commit runs.
   */
  deployedCommits(environment: string, version: string, limit: number): Promise<string[]>;
}
