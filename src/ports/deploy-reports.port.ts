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
}

export interface DeployReports {
  recordDeploy(report: DeployReport): Promise<void>;
  /** The environment's reports, newest first. */
  deploys(environment: string, limit: number): Promise<DeployReport[]>;
}
