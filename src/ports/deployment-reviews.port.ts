/**
 * The deploy gate's answer to a code host that asks before a job deploys to a protected environment (GitHub's
 * custom deployment protection rule): approved while the gate is open, rejected with why while it is shut.
 */
export interface DeploymentReview {
  /** Where the code host takes the answer (the webhook's `deployment_callback_url`). */
  callbackUrl: string;
  /** The App installation the webhook came from: its token carries the answer. */
  installationId: number;
  /** The environment's name as the code host spells it. */
  environment: string;
  state: 'approved' | 'rejected';
  comment: string;
}

export interface DeploymentReviews {
  /** Sends the answer; throws a coded error with the code host's reason. */
  answer(review: DeploymentReview): Promise<void>;
}
