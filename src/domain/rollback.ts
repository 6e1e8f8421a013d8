import type { ChecklistKey } from './checklist-items';
import type { Findings, ServiceResult, VerificationEvidence } from './findings';
import type { HandsOnChange } from './facts';
import type { Risk } from './risks';

/**
 * The rollback: what one run of the runbook knows, as the store keeps it, and the few questions asked of it. What can
 * happen to it is in rollback.events.ts; how each event moves it, in the table of rollback.transitions.ts.
 */

export const STATUSES = [
  'requested',
  'confirming',
  'awaiting_approval',
  'executing',
  'verifying',
  'completed',
  'failed',
  'cancelled',
  'interrupted',
  'rehearsed',
  'expired',
  'unresolved',
] as const;
export type Status = (typeof STATUSES)[number];
export const TERMINAL_STATUSES: readonly Status[] = [
  'completed',
  'failed',
  'cancelled',
  'interrupted',
  'rehearsed',
  'expired',
];
export const isTerminal = (s: Status): boolean => TERMINAL_STATUSES.includes(s);
/** "awaiting approval", for sentences. */
export const statusWords = (s: Status): string => s.replace('_', ' ');

/** The runbook's five steps, in order. */
export const STEPS = ['confirm', 'announce', 'execute', 'verify', 'complete'] as const;
export type StepName = (typeof STEPS)[number];
export type StepStatus = 'pending' | 'running' | 'done' | 'failed';
export interface StepRecord {
  status: StepStatus;
  startedAt?: string;
  endedAt?: string;
}

export interface MessageRef {
  channel: string;
  ts: string;
}

/**
 * How Step 3 rolls back: the name a strategy is registered under (runbook/strategies; the runbook's Options A, B, C
 * are three of them). A name is data, not a closed list: the domain does not know which strategies exist.
 */
export type Strategy = string;

/** The strategy of a rollback stored before rollbacks named theirs: Docker, the only one there was then. */
export const LEGACY_STRATEGY: Strategy = 'docker';

export const strategyOf = (r: Pick<Rollback, 'strategy'>): Strategy => r.strategy ?? LEGACY_STRATEGY;

/** What Step 3 started and may still be running: recorded before it is followed, so a restart knows about it. */
export type Deployment =
  | { kind: 'script'; pid: number; commandLine: string; outputFile: string }
  | { kind: 'workflow'; runId: number; url: string }
  /**
   * Docker: each service as Step 3 found it right before its first update call — the version it replaced, and the
   * spec version, so that a restart can tell an update Swarm never took from one it took and someone undid.
   */
  | { kind: 'docker'; services: DockerUpdateStart[] };

/**
 * The rollback's GitHub Deployment (an environment with `github:`), as far as the bot has told GitHub: `creating`
 * is the claim taken before the call (so one rollback creates one), `unavailable` when GitHub could not be told.
 */
export type GitHubDeploymentState = 'creating' | 'in_progress' | 'success' | 'failure' | 'unavailable';
export interface GitHubDeploymentRecord {
  state: GitHubDeploymentState;
  id: number | null;
  /** Where people see it (the environment's deployments page). */
  url: string | null;
}

/** Which state each one may move to: every call to GitHub is claimed once, in order. */
export const GITHUB_DEPLOYMENT_NEXT: Record<GitHubDeploymentState | 'none', readonly GitHubDeploymentState[]> = {
  none: ['creating'],
  creating: ['in_progress', 'unavailable'],
  in_progress: ['success', 'failure'],
  success: [],
  failure: [],
  unavailable: [],
};

export interface DockerUpdateStart {
  service: string;
  dockerService: string;
  /** What it ran; null when Docker could not say. */
  fromVersion: string | null;
  /** Swarm's version index of the service then (see ContainerRuntime); null when unknown. */
  specVersion: number | null;
}

export interface Failure {
  step: StepName;
  reason: string;
  code?: string;
}

export interface Rollback {
  id: string;
  environment: string;
  channel: string;
  requestedBy: string;
  requestedAt: string;
  reason: string;
  requestedTarget: string | null;
  /** A dry run: Step 1 for real, then a report of what Steps 2–5 would do. Never approved, never executed. */
  dryRun: boolean;
  /** How Step 3 rolls back, fixed when the rollback is requested (absent in rollbacks stored before it existed: docker). */
  strategy?: Strategy;
  /** What Step 3 started (a script's process, a workflow run), once it has. */
  deployment?: Deployment | null;
  status: Status;
  /** Compare-and-set counter; owned by the store, untouched by transition(). */
  version: number;
  card: MessageRef | null;
  findings: Findings | null;
  target: string | null;
  approvedBy: string | null;
  cancelledBy: string | null;
  announcement: MessageRef | null;
  resolution: MessageRef | null;
  results: ServiceResult[] | null;
  verification: VerificationEvidence | null;
  failure: Failure | null;
  steps: Record<StepName, StepRecord>;
  acknowledgements: Array<{ risk: Risk; by: string; at: string }>;
  /** The live checklist message in the card's thread, and what people ticked on it. */
  checklist: {
    message: MessageRef | null;
    ticks: Array<{ item: ChecklistKey; by: string; at: string; link?: string }>;
  };
  /**
   * "Investigate root cause before re-attempting deployment": who cleared the environment's mark (set by any rollback
   * whose Step 3 started; cleared on the environment's newest such rollback, which clears the ones before it too).
   */
  rootCauseCleared: { by: string; at: string } | null;
  /** Budget overruns already reported, so each is said once: "execute:1" (over budget), "execute:2" (over 2×). */
  overruns: string[];
  /**
   * Four eyes: incident commanders who pressed Approve before a second one made it count (absent in rollbacks stored
   * before it existed).
   */
  approvals?: Array<{ by: string; at: string }>;
  /**
   * Production changed while the card awaited approval (the last time): Step 1 ran again, and the card and Approve's
   * confirmation say so. Absent when it never did.
   */
  productionChanged?: { at: string; by?: string; changes?: HandsOnChange[] };
  /**
   * Production changed without the bot after this rollback ended, while its mark kept deploys locked (a pipeline or
   * a person past the gate): how many times, and the latest few (CHANGED_SINCE_KEPT), so the card stops claiming
   * what runs. Absent when it never did.
   */
  changedSince?: { count: number; latest: Array<{ at: string; changes: HandsOnChange[] }> };
  /** Its GitHub Deployment, once the bot started telling GitHub (absent otherwise). */
  githubDeployment?: GitHubDeploymentRecord;
  /**
   * When the rollback reached a final state. Set once, by the event that ended it: what "the last rollback" is
   * ordered by, so that nothing else (a refused click, a checklist tick) can change which one that is.
   */
  endedAt?: string | null;
  updatedAt: string;
}

/** The requester recorded when the bot proposes a rollback itself (the decision criteria tripped). */
export const BOT_REQUESTER = 'rollback-bot';

export interface NewRollback {
  id: string;
  environment: string;
  channel: string;
  requestedBy: string;
  at: string;
  reason: string;
  requestedTarget: string | null;
  dryRun?: boolean;
  strategy?: Strategy;
}

export function newRollback(r: NewRollback): Rollback {
  const steps = Object.fromEntries(STEPS.map((s) => [s, { status: 'pending' }])) as Record<StepName, StepRecord>;
  return {
    id: r.id,
    environment: r.environment,
    channel: r.channel,
    requestedBy: r.requestedBy,
    requestedAt: r.at,
    reason: r.reason,
    requestedTarget: r.requestedTarget,
    dryRun: r.dryRun ?? false,
    strategy: r.strategy ?? LEGACY_STRATEGY,
    deployment: null,
    status: 'requested',
    version: 0,
    card: null,
    findings: null,
    target: null,
    approvedBy: null,
    cancelledBy: null,
    announcement: null,
    resolution: null,
    results: null,
    verification: null,
    failure: null,
    steps,
    acknowledgements: [],
    checklist: { message: null, ticks: [] },
    rootCauseCleared: null,
    overruns: [],
    approvals: [],
    endedAt: null,
    updatedAt: r.at,
  };
}

/**
 * Whether Step 3 may have touched production: it started, whatever came after (it may have partly worked, or its
 * outcome may be unknown). Such a rollback marks its environment until an incident commander clears it.
 */
export const mayHaveChangedProduction = (r: Pick<Rollback, 'dryRun' | 'steps'>): boolean =>
  !r.dryRun && r.steps.execute.status !== 'pending';

/**
 * The versions a rollback set out to move production away from: what each service ran when Step 1 last looked and
 * what Step 3 found it running (in its results, or as it recorded before its first update, for a Step 3 that never
 * reported), never the target. Unknown versions are left out.
 */
export function versionsLeft(r: Pick<Rollback, 'findings' | 'results' | 'target' | 'deployment'>): string[] {
  const started = r.deployment?.kind === 'docker' ? r.deployment.services.map((s) => s.fromVersion) : [];
  const seen = [
    ...(r.findings?.services ?? []).map((s) => s.version),
    ...(r.results ?? []).map((x) => x.fromVersion),
    ...started,
  ];
  return [...new Set(seen.filter((v): v is string => v !== null && v !== r.target))];
}
