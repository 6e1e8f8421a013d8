/**
 * An environment's deployments as its code host shows them (GitHub Deployments): the bot records each approved
 * rollback there, so the environment's page says what runs and what was rolled back.
 */
export type DeploymentState = 'in_progress' | 'success' | 'failure' | 'inactive';

export interface DeploymentHistory {
  /** Records a deployment of `ref` (a commit or a tag); its id and where people see it. Throws a coded error. */
  create(d: {
    ref: string;
    environment: string;
    description: string;
    payload: Record<string, unknown>;
  }): Promise<{ id: number; url: string }>;
  /** Moves a deployment on; `link` is where people read more (the rollback's card). Throws a coded error. */
  setState(id: number, state: DeploymentState, d: { description: string; link?: string }): Promise<void>;
  /**
   * The newest deployment in `environment` of one of `refs` (a tag, or a commit: a prefix of the deployed sha
   * matches), other than `except`; null when there is none.
   */
  latest(environment: string, refs: string[], except: number): Promise<number | null>;
}
