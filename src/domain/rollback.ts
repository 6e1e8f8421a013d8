import type { ChecklistKey } from './checklist-items';
import type { Findings, ServiceResult, ServiceVersion, VerificationEvidence } from './findings';
import type { HandsOnChange } from './facts';
import type { Risk } from './risks';

/**
 * The rollback as a state machine. Pure: no I/O, no clock (every event carries its own `at`).
 *
 *   requested → confirming → awaiting_approval → executing → verifying → completed
 *                   │                │               │            │
 *                   └──→ failed ←────┼───────────────┴────────────┘
 *                                    └──→ cancelled   (also from requested / confirming)
 *   confirming, executing, verifying ──→ interrupted  (the bot died mid-step and it is not safe to go on)
 *   awaiting_approval ──→ rehearsed  (a dry run: Step 1 for real, then what Steps 2–5 would do; nothing changed)
 *   awaiting_approval ──→ expired    (nobody approved in time; production may have changed since Step 1)
 *   awaiting_approval ──→ confirming (production changed since Step 1: checked again before anyone can approve)
 *   executing ──→ unresolved ──→ interrupted  (Step 3's outcome cannot be known: the environment stays locked until
 *                                              an incident commander releases it)
 *
 * Once Step 3 started (`mayHaveChangedProduction`), the rollback marks its environment whatever its final state
 * (completed, failed, interrupted, unresolved): deploys stay locked, and no version it moved away from is proposed,
 * until an incident commander clears the mark (RootCauseCleared, on the environment's newest such rollback).
 *
 * An event that is not valid in the current state is a typed rejection, never an exception.
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

/** How Step 3 rolls back (the runbook's Options A, B, C). */
export const STRATEGIES = ['script', 'docker', 'github-actions'] as const;
export type Strategy = (typeof STRATEGIES)[number];

export const strategyOf = (r: Pick<Rollback, 'strategy'>): Strategy => r.strategy ?? 'docker';

/** What Step 3 started and may still be running: recorded before it is followed, so a restart knows about it. */
export type Deployment =
  | { kind: 'script'; pid: number; commandLine: string; outputFile: string }
  | { kind: 'workflow'; runId: number; url: string }
  /**
   * Docker: each service as Step 3 found it right before its first update call — the version it replaced, and the
   * spec version, so that a restart can tell an update Swarm never took from one it took and someone undid.
   */
  | { kind: 'docker'; services: DockerUpdateStart[] };

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
  /**
   * When the rollback reached a final state. Set once, by the event that ended it: what "the last rollback" is
   * ordered by, so that nothing else (a refused click, a checklist tick) can change which one that is.
   */
  endedAt?: string | null;
  updatedAt: string;
}

export type RollbackEvent =
  | { type: 'CardPosted'; at: string; card: MessageRef }
  | { type: 'ConfirmationStarted'; at: string }
  | { type: 'IssueConfirmed'; at: string; findings: Findings & { target: string } }
  | { type: 'ConfirmationFailed'; at: string; reason: string; code?: string; findings: Findings | null }
  | { type: 'ApprovalGranted'; at: string; by: string }
  | { type: 'ApprovalRefused'; at: string; by: string; action: 'approve' | 'cancel' | 'tick'; why: string }
  | { type: 'ChecklistPosted'; at: string; message: MessageRef }
  | { type: 'RootCauseCleared'; at: string; by: string; why?: string }
  | { type: 'DryRunReported'; at: string; plan: string }
  | { type: 'ChecklistItemTicked'; at: string; by: string; item: ChecklistKey; link?: string }
  /** Someone asked for another rollback of the environment while this one was active. */
  | { type: 'RequestRefused'; at: string; by: string; why: string }
  | { type: 'RollbackInterrupted'; at: string; reason: string; services: ServiceVersion[] }
  | { type: 'RiskAcknowledged'; at: string; by: string; risk: Risk }
  | { type: 'StepOverran'; at: string; step: StepName; budgetMs: number; factor: number }
  | { type: 'RollbackCancelled'; at: string; by: string; why?: string }
  /** Four eyes: the first incident commander's Approve, waiting for a second one. */
  | { type: 'ApprovalRecorded'; at: string; by: string }
  /** Nobody approved within the configured time. */
  | { type: 'ApprovalExpired'; at: string; afterMs: number }
  /**
   * What runs now differs from what Step 1 found: Step 1 runs again before anyone can approve. `by`: who pressed
   * Approve when the bot found out; absent when the platform's events told it (`changes`: what changed, from → to).
   */
  | { type: 'ProductionChanged'; at: string; by?: string; services: ServiceVersion[]; changes?: HandsOnChange[] }
  /** Step 3 may or may not have changed production, and the bot cannot find out: a person must look. */
  | { type: 'OutcomeUnknown'; at: string; reason: string; services: ServiceVersion[] }
  /** An incident commander looked and releases the environment's lock. */
  | { type: 'LockReleased'; at: string; by: string; why?: string }
  /** After-care undone when the action it stood for failed (the tick was taken first, so two clicks act once). */
  | { type: 'ChecklistItemUnticked'; at: string; item: ChecklistKey; why: string }
  /** The incident ticket's address, once it is open. */
  | { type: 'TicketLinked'; at: string; url: string }
  | { type: 'RollbackAnnounced'; at: string; message: MessageRef }
  | { type: 'AnnouncementFailed'; at: string; step: 'announce' | 'complete'; reason: string }
  | { type: 'DeploymentStarted'; at: string; deployment: Deployment }
  | { type: 'ServicesRolledBack'; at: string; results: ServiceResult[] }
  | { type: 'ExecutionFailed'; at: string; reason: string; code?: string; results: ServiceResult[] }
  | { type: 'RollbackVerified'; at: string; evidence: VerificationEvidence }
  | { type: 'VerificationFailed'; at: string; reason: string; evidence: VerificationEvidence }
  | { type: 'ResolutionAnnounced'; at: string; message: MessageRef }
  /**
   * Production changed without the bot (noticed from the platform's events) while this rollback was in progress:
   * audit only. After it ended, while its mark keeps deploys locked (`gated`): kept on it (`changedSince`).
   */
  | { type: 'HandsOnChange'; at: string; changes: HandsOnChange[]; gated: boolean };
export type EventType = RollbackEvent['type'];

export interface Rejection {
  code: 'INVALID_TRANSITION';
  status: Status;
  event: EventType;
  message: string;
}
export type TransitionResult = { ok: true; state: Rollback } | { ok: false; rejection: Rejection };

/** In which states each event is accepted. */
export const ACCEPTED_IN: Record<EventType, readonly Status[]> = {
  CardPosted: ['requested', 'confirming', 'awaiting_approval'],
  ConfirmationStarted: ['requested'],
  IssueConfirmed: ['confirming'],
  ConfirmationFailed: ['requested', 'confirming'],
  ApprovalGranted: ['awaiting_approval'],
  ApprovalRefused: STATUSES,
  RequestRefused: STATUSES,
  RollbackInterrupted: ['requested', 'confirming', 'executing', 'verifying'],
  RiskAcknowledged: ['awaiting_approval'],
  ChecklistPosted: STATUSES,
  RootCauseCleared: ['completed', 'failed', 'interrupted'],
  DryRunReported: ['awaiting_approval'],
  ChecklistItemTicked: STATUSES,
  StepOverran: ['requested', 'confirming', 'awaiting_approval', 'executing', 'verifying'],
  RollbackCancelled: ['requested', 'confirming', 'awaiting_approval'],
  ApprovalRecorded: ['awaiting_approval'],
  ApprovalExpired: ['awaiting_approval'],
  ProductionChanged: ['awaiting_approval'],
  OutcomeUnknown: ['executing'],
  LockReleased: ['unresolved'],
  ChecklistItemUnticked: STATUSES,
  TicketLinked: STATUSES,
  RollbackAnnounced: ['executing'],
  AnnouncementFailed: ['executing', 'completed'],
  DeploymentStarted: ['executing'],
  ServicesRolledBack: ['executing'],
  ExecutionFailed: ['executing'],
  RollbackVerified: ['verifying'],
  VerificationFailed: ['verifying'],
  ResolutionAnnounced: ['completed'],
  HandsOnChange: STATUSES,
};

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
    strategy: r.strategy ?? 'docker',
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

const step = (s: Rollback, name: StepName, patch: StepRecord): Record<StepName, StepRecord> => ({
  ...s.steps,
  [name]: { ...s.steps[name], ...patch },
});

function fail(s: Rollback, at: string, failure: Failure): Rollback {
  return { ...s, status: 'failed', failure, steps: step(s, failure.step, { status: 'failed', endedAt: at }) };
}

function reject(state: Rollback, event: RollbackEvent, why?: string): TransitionResult {
  return {
    ok: false,
    rejection: {
      code: 'INVALID_TRANSITION',
      status: state.status,
      event: event.type,
      message: why ?? `${event.type} is not accepted while the rollback is ${statusWords(state.status)}`,
    },
  };
}

/** How many of the changes made past the locked gate after a rollback are kept on it (the thread has them all). */
export const CHANGED_SINCE_KEPT = 3;

/** Events that only record that someone was turned away: they never change the rollback, not even its times. */
export const AUDIT_ONLY: readonly EventType[] = ['ApprovalRefused', 'RequestRefused'];

export function transition(state: Rollback, event: RollbackEvent): TransitionResult {
  if (!ACCEPTED_IN[event.type].includes(state.status)) return reject(state, event);
  if (AUDIT_ONLY.includes(event.type)) return ok(state);
  const result = apply({ ...state, updatedAt: event.at }, state, event);
  if (!result.ok) return result;
  const ended = isTerminal(result.state.status) && !isTerminal(state.status);
  return ended ? ok({ ...result.state, endedAt: event.at }) : result;
}

function apply(s: Rollback, state: Rollback, event: RollbackEvent): TransitionResult {
  const at = event.at;
  switch (event.type) {
    case 'CardPosted':
      return ok({ ...s, card: event.card });
    case 'ConfirmationStarted':
      return ok({ ...s, status: 'confirming', steps: step(s, 'confirm', { status: 'running', startedAt: at }) });
    case 'IssueConfirmed':
      return ok({
        ...s,
        status: 'awaiting_approval',
        findings: event.findings,
        target: event.findings.target,
        steps: step(s, 'confirm', { status: 'done', endedAt: at }),
      });
    case 'ConfirmationFailed':
      return ok(
        fail({ ...s, findings: event.findings }, at, { step: 'confirm', reason: event.reason, code: event.code }),
      );
    case 'DryRunReported':
      if (!s.dryRun) return reject(state, event, 'only a dry run ends with a dry-run report');
      return ok({ ...s, status: 'rehearsed' });
    case 'ApprovalGranted':
      if (s.dryRun) return reject(state, event, 'a dry run is never approved');
      return ok({
        ...s,
        status: 'executing',
        approvedBy: event.by,
        steps: step(s, 'announce', { status: 'running', startedAt: at }),
      });
    case 'HandsOnChange': {
      // Past the locked gate after this rollback ended: its card must stop saying what runs now.
      if (!event.gated || !isTerminal(s.status) || !mayHaveChangedProduction(s) || s.rootCauseCleared) return ok(state);
      const latest = [...(s.changedSince?.latest ?? []), { at, changes: event.changes }];
      return ok({
        ...s,
        changedSince: { count: (s.changedSince?.count ?? 0) + 1, latest: latest.slice(-CHANGED_SINCE_KEPT) },
      });
    }
    case 'ApprovalRefused':
    case 'RequestRefused':
      return ok(state);
    case 'ApprovalRecorded':
      if (s.dryRun) return reject(state, event, 'a dry run is never approved');
      if ((s.approvals ?? []).some((a) => a.by === event.by))
        return reject(state, event, 'this incident commander already approved');
      return ok({ ...s, approvals: [...(s.approvals ?? []), { by: event.by, at }] });
    case 'ApprovalExpired':
      return ok({
        ...s,
        status: 'expired',
        failure: { step: 'confirm', reason: `nobody approved within ${Math.round(event.afterMs / 60_000)} min` },
      });
    case 'ProductionChanged':
      // What was found, acknowledged and approved was about another production: all of it is asked again.
      return ok({
        ...s,
        status: 'confirming',
        acknowledgements: [],
        approvals: [],
        productionChanged: {
          at,
          ...(event.by ? { by: event.by } : {}),
          ...(event.changes ? { changes: event.changes } : {}),
        },
        steps: step(s, 'confirm', { status: 'running', startedAt: at, endedAt: undefined }),
      });
    case 'OutcomeUnknown':
      return ok({
        ...s,
        status: 'unresolved',
        failure: { step: 'execute', reason: event.reason },
        steps: step(s, 'execute', { status: 'failed', endedAt: at }),
      });
    case 'LockReleased':
      return ok({ ...s, status: 'interrupted' });
    case 'ChecklistItemUnticked':
      return ok({ ...s, checklist: { ...s.checklist, ticks: s.checklist.ticks.filter((t) => t.item !== event.item) } });
    case 'TicketLinked':
      return ok({
        ...s,
        checklist: {
          ...s.checklist,
          ticks: s.checklist.ticks.map((t) => (t.item === 'ticket_created' ? { ...t, link: event.url } : t)),
        },
      });
    case 'RiskAcknowledged':
      if (s.acknowledgements.some((a) => a.risk === event.risk)) return ok(s);
      return ok({ ...s, acknowledgements: [...s.acknowledgements, { risk: event.risk, by: event.by, at }] });
    case 'RootCauseCleared':
      if (!mayHaveChangedProduction(s)) return reject(state, event, 'this rollback never reached Step 3: no mark');
      return ok(s.rootCauseCleared ? s : { ...s, rootCauseCleared: { by: event.by, at } });
    case 'ChecklistPosted':
      return ok({ ...s, checklist: { ...s.checklist, message: event.message } });
    case 'ChecklistItemTicked':
      // A second tick is refused, not ignored: taking the tick is how an after-care action is claimed exactly once.
      if (s.checklist.ticks.some((t) => t.item === event.item)) return reject(state, event, 'already ticked');
      return ok({
        ...s,
        checklist: {
          ...s.checklist,
          ticks: [
            ...s.checklist.ticks,
            { item: event.item, by: event.by, at, ...(event.link ? { link: event.link } : {}) },
          ],
        },
      });
    case 'StepOverran':
      return ok({ ...s, overruns: [...s.overruns, `${event.step}:${event.factor}`] });
    case 'RollbackInterrupted': {
      const running = STEPS.find((name) => s.steps[name].status === 'running') ?? 'confirm';
      return ok({
        ...s,
        status: 'interrupted',
        failure: { step: running, reason: event.reason },
        steps: step(s, running, { status: 'failed', endedAt: at }),
      });
    }
    case 'RollbackCancelled': {
      const confirm =
        s.steps.confirm.status === 'running' ? step(s, 'confirm', { status: 'done', endedAt: at }) : s.steps;
      return ok({ ...s, status: 'cancelled', cancelledBy: event.by, steps: confirm });
    }
    case 'RollbackAnnounced': {
      const announced = {
        ...s,
        announcement: event.message,
        steps: step(s, 'announce', { status: 'done', endedAt: at }),
      };
      return ok({ ...announced, steps: step(announced, 'execute', { status: 'running', startedAt: at }) });
    }
    case 'AnnouncementFailed':
      if (event.step === 'announce') return ok(fail(s, at, { step: 'announce', reason: event.reason }));
      // The rollback itself succeeded; only the resolution message did not go out.
      return ok({ ...s, steps: step(s, 'complete', { status: 'failed', endedAt: at }) });
    case 'DeploymentStarted':
      return s.announcement
        ? ok({ ...s, deployment: event.deployment })
        : reject(state, event, 'nothing is deployed before the rollback is announced');
    case 'ServicesRolledBack': {
      const executed = {
        ...s,
        status: 'verifying' as const,
        results: event.results,
        steps: step(s, 'execute', { status: 'done', endedAt: at }),
      };
      return ok({ ...executed, steps: step(executed, 'verify', { status: 'running', startedAt: at }) });
    }
    case 'ExecutionFailed':
      return ok(
        fail({ ...s, results: event.results }, at, { step: 'execute', reason: event.reason, code: event.code }),
      );
    case 'RollbackVerified': {
      const verified = {
        ...s,
        status: 'completed' as const,
        verification: event.evidence,
        steps: step(s, 'verify', { status: 'done', endedAt: at }),
      };
      return ok({ ...verified, steps: step(verified, 'complete', { status: 'running', startedAt: at }) });
    }
    case 'VerificationFailed':
      return ok(fail({ ...s, verification: event.evidence }, at, { step: 'verify', reason: event.reason }));
    case 'ResolutionAnnounced':
      return ok({ ...s, resolution: event.message, steps: step(s, 'complete', { status: 'done', endedAt: at }) });
  }
}

const ok = (state: Rollback): TransitionResult => ({ ok: true, state });

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

/** Who did what, for the timeline: the user behind an event, if any. */
export function actorOf(event: RollbackEvent): string | null {
  return 'by' in event ? (event.by ?? null) : null;
}
