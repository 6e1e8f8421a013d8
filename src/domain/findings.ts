/**
 * What Steps 1, 3 and 4 find out: the evidence a rollback is decided and verified on. Data only, no I/O.
 */
import type { Evaluation } from './criteria';

export type TargetSource = 'requested' | 'swarm_previous_spec' | 'last_verified' | 'previous_deploy';

export interface ServiceVersion {
  /** The service's name in config (e.g. "backend"). */
  service: string;
  /**
   * Where it runs: the Docker Swarm service; with a deploy script or a workflow (which deploy the environment as a
   * whole), the script or the workflow.
   */
  dockerService: string;
  /** The version it runs (the image tag; or what /health reports); null when it cannot be read. */
  version: string | null;
  /** The tag in the service's PreviousSpec, if Swarm kept one. */
  previousVersion: string | null;
}

export interface ProbeObservation {
  url: string;
  ok: boolean;
  attempts: number;
  status?: number;
  version?: string;
  /** A short excerpt of the body, for `/health/ready`. */
  body?: string;
  /** The answer was a web page (an error page of a proxy or framework): summarised as such, its markup not kept. */
  html?: boolean;
  error?: string;
}

/** Whether the bad deployment carried database migrations (runbook: "Database Rollback Considerations"). */
export interface MigrationFinding {
  verdict: 'included' | 'none' | 'unknown';
  /** Where the answer came from, or why there is none. */
  source: string;
  /** The migration files found, at most a few. */
  files: string[];
}

/** "Confirm you have access to the deployment tooling." */
export interface ToolingCheck {
  tool: string;
  ok: boolean;
  detail: string;
}

export interface Findings {
  health: ProbeObservation | null;
  ready: ProbeObservation | null;
  services: ServiceVersion[];
  target: string | null;
  targetSource: TargetSource | null;
  /** Why the target is what it is, or why there is none. */
  targetNote: string;
  criteria?: Evaluation;
  /** The deploy of what runs now, as CI reported it (POST /api/v1/deployments), when it did. */
  deploy?: { version: string; at: string; actor: string | null; url: string | null; commit: string | null };
  migrations?: MigrationFinding;
  tooling?: ToolingCheck[];
  /**
   * The target (named with `to`: the bot never proposes one) is a version that a rollback since the environment's
   * mark was last cleared moved production away from (the newest such rollback, and how it ended): Approve waits for
   * an incident commander's acknowledgement.
   */
  rolledBackFrom?: { rollbackId: string; status: string };
}

export type ServiceOutcome = 'rolled_back' | 'failed' | 'not_started';
export interface ServiceResult {
  service: string;
  dockerService: string;
  outcome: ServiceOutcome;
  fromVersion: string | null;
  toVersion: string;
  /** What the service runs now, as far as Docker says (after success or failure). */
  runningVersion: string | null;
  detail?: string;
  errorCode?: string;
}

export interface SmokeResult {
  name: string;
  url: string;
  ok: boolean;
  expectedStatus: number;
  status?: number;
  error?: string;
}

export interface VerificationEvidence {
  health: ProbeObservation;
  smokeTests: SmokeResult[];
}
