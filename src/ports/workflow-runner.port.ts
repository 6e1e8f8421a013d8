export interface WorkflowRun {
  id: number;
  url: string;
  /** queued, in_progress, completed, waiting, requested, pending. */
  status: string;
  /** success, failure, cancelled, timed_out, … once completed. */
  conclusion: string | null;
  createdAt: string;
  actor: string | null;
}

export interface WorkflowRunner {
  /** The workflow's name and state; throws WORKFLOW_FAILED with GitHub's reason (401, 404, disabled…). */
  check(): Promise<string>;
  /** Dispatches the workflow; the run when GitHub says which it is. Throws WORKFLOW_FAILED (422: invalid inputs…). */
  dispatch(ref: string, inputs: Record<string, string>): Promise<WorkflowRun | null>;
  /** workflow_dispatch runs of the workflow created at or after `since` (newest first). */
  recentRuns(since: Date): Promise<WorkflowRun[]>;
  getRun(id: number): Promise<WorkflowRun>;
  /** Who the token acts as (for correlation), or null when GitHub does not say. */
  actor(): Promise<string | null>;
}
