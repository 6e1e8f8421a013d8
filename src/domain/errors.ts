/**
 * Every error the project raises on purpose carries a stable `code` (for logs and tests) and a sentence a
 * person in an incident can act on (`message`). Adapters wrap library errors in one of these, keeping the
 * original as `cause`.
 */
export const ErrorCode = {
  ConfigInvalid: 'CONFIG_INVALID',
  DockerUnreachable: 'DOCKER_UNREACHABLE',
  ServiceNotFound: 'SERVICE_NOT_FOUND',
  ImagePullFailed: 'IMAGE_PULL_FAILED',
  ServiceUpdateFailed: 'SERVICE_UPDATE_FAILED',
  ConvergenceTimeout: 'CONVERGENCE_TIMEOUT',
  SwarmUpdatePaused: 'SWARM_UPDATE_PAUSED',
  SwarmRolledBack: 'SWARM_ROLLED_BACK',
  HealthProbeFailed: 'HEALTH_PROBE_FAILED',
  SlackApiFailed: 'SLACK_API_FAILED',
  /** Slack refuses one of the bot's tokens (revoked, expired, wrong): only a new token helps. */
  SlackTokenRefused: 'SLACK_TOKEN_REFUSED',
  /** A Slack Web API call got no answer at all (no route, refused connection, no DNS, timeout). */
  SlackUnreachable: 'SLACK_UNREACHABLE',
  StoreConflict: 'STORE_CONFLICT',
  PagerFailed: 'PAGER_FAILED',
  CodeHostFailed: 'CODE_HOST_FAILED',
  VersionInvalid: 'VERSION_INVALID',
  /** The version the requester named does not exist where it would be deployed from: their mistake, not an outage. */
  TargetUnavailable: 'TARGET_UNAVAILABLE',
  ScriptNotRunnable: 'SCRIPT_NOT_RUNNABLE',
  ScriptFailed: 'SCRIPT_FAILED',
  ScriptTimeout: 'SCRIPT_TIMEOUT',
  WorkflowFailed: 'WORKFLOW_FAILED',
  WorkflowRateLimited: 'WORKFLOW_RATE_LIMITED',
  WorkflowTimeout: 'WORKFLOW_TIMEOUT',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export class RollbackBotError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'RollbackBotError';
  }
}

/**
 * Settings the bot cannot start with: every problem found, each naming its variable or config key (never a value), so
 * an operator fixes them all in one go. The message lists them one per line.
 */
export class SettingsError extends RollbackBotError {
  constructor(
    heading: string,
    readonly problems: string[],
  ) {
    super(ErrorCode.ConfigInvalid, problems.length ? `${heading}:\n  ${problems.join('\n  ')}` : heading);
    this.heading = heading;
  }
  readonly heading: string;

  /** On one line: the heading, then every problem. */
  summary(): string {
    return this.problems.length ? `${this.heading}: ${this.problems.join('; ')}` : this.heading;
  }
}

export function isCoded(err: unknown, code?: ErrorCode): err is RollbackBotError {
  return err instanceof RollbackBotError && (code === undefined || err.code === code);
}

/** A one-line description of any thrown value, safe to show to users (no stack, bounded length). */
export function describeError(err: unknown, max = 500): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
