/**
 * The rollback as a state machine: one row per event, naming the states that accept it, the state it leads to, the
 * guards that may still refuse it, and what it records. Pure: no I/O, no clock (every event carries its own `at`).
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
import {
  type Failure,
  GITHUB_DEPLOYMENT_NEXT,
  isTerminal,
  mayHaveChangedProduction,
  type Rollback,
  type Status,
  STATUSES,
  STEPS,
  type StepName,
  type StepRecord,
  statusWords,
} from './rollback';
import type { EventType, RollbackEvent } from './rollback.events';

export interface Rejection {
  code: 'INVALID_TRANSITION';
  status: Status;
  event: EventType;
  message: string;
}
export type TransitionResult = { ok: true; state: Rollback } | { ok: false; rejection: Rejection };

/** The destination of an event that leaves the rollback in the state it is in. */
export const STAYS = 'stays';
export type Destination = Status | typeof STAYS;

/** Null lets the event through; a sentence refuses it, and is the rejection's message. */
type Guard<E extends RollbackEvent = RollbackEvent> = (r: Rollback, event: E) => string | null;

/** What records nothing at all: the rollback is left as it was, its update time too. */
const UNCHANGED = Symbol('unchanged');

export interface Rule<E extends RollbackEvent> {
  /** The states that accept the event; in any other it is a rejection. */
  from: readonly Status[];
  /** Where it leads. A function only where the event itself decides (a failed announcement of Step 2 or of Step 5). */
  to: Destination | ((event: E) => Destination);
  /** Asked in order, after `from`: the first sentence refuses the event. */
  guards?: readonly Guard<E>[];
  /** What it records besides its destination; given the rollback with its update time already set to the event's. */
  records?: (r: Rollback, event: E) => Rollback | typeof UNCHANGED;
}
type Rules = { [K in EventType]: Rule<Extract<RollbackEvent, { type: K }>> };

/** How many of the changes made past the locked gate after a rollback are kept on it (the thread has them all). */
export const CHANGED_SINCE_KEPT = 3;

/** Everything but the final states: where a step can still run, overrun or be interrupted. */
const ACTIVE: readonly Status[] = ['requested', 'confirming', 'awaiting_approval', 'executing', 'verifying'];
const BEFORE_APPROVAL: readonly Status[] = ['requested', 'confirming', 'awaiting_approval'];
/** The final states of a rollback whose Step 3 may have run: the ones that can carry the environment's mark. */
const MAY_BE_MARKED: readonly Status[] = ['completed', 'failed', 'interrupted'];

const neverADryRun: Guard = (r) => (r.dryRun ? 'a dry run is never approved' : null);
const onlyADryRun: Guard = (r) => (r.dryRun ? null : 'only a dry run ends with a dry-run report');
const notApprovedYetBy: Guard<Extract<RollbackEvent, { type: 'ApprovalRecorded' }>> = (r, e) =>
  (r.approvals ?? []).some((a) => a.by === e.by) ? 'this incident commander already approved' : null;
const announcedFirst: Guard = (r) => (r.announcement ? null : 'nothing is deployed before the rollback is announced');
const reachedStep3: Guard = (r) => (mayHaveChangedProduction(r) ? null : 'this rollback never reached Step 3: no mark');
// A second tick is refused, not ignored: taking the tick is how an after-care action is claimed exactly once.
const notTickedYet: Guard<Extract<RollbackEvent, { type: 'ChecklistItemTicked' }>> = (r, e) =>
  r.checklist.ticks.some((t) => t.item === e.item) ? 'already ticked' : null;

const githubMoveInOrder: Guard<Extract<RollbackEvent, { type: 'GitHubDeploymentMoved' }>> = (r, e) => {
  const now = r.githubDeployment?.state ?? 'none';
  return GITHUB_DEPLOYMENT_NEXT[now].includes(e.state)
    ? null
    : `the GitHub deployment is ${now === 'none' ? 'not created' : now.replace('_', ' ')}: it cannot become ${e.state.replace('_', ' ')}`;
};

/** Someone was turned away: the event log keeps who and why; the rollback itself does not change. */
const turnedAway = (): typeof UNCHANGED => UNCHANGED;

const step = (r: Rollback, name: StepName, patch: StepRecord): Record<StepName, StepRecord> => ({
  ...r.steps,
  [name]: { ...r.steps[name], ...patch },
});
const failedIn = (r: Rollback, at: string, failure: Failure): Rollback => ({
  ...r,
  failure,
  steps: step(r, failure.step, { status: 'failed', endedAt: at }),
});

/** Every event, in the order the runbook meets them: where each is accepted, where it leads, and what it records. */
export const TRANSITIONS: Rules = {
  CardPosted: { from: BEFORE_APPROVAL, to: STAYS, records: (r, e) => ({ ...r, card: e.card }) },

  // Step 1: Confirm the issue.
  ConfirmationStarted: {
    from: ['requested'],
    to: 'confirming',
    records: (r, e) => ({ ...r, steps: step(r, 'confirm', { status: 'running', startedAt: e.at }) }),
  },
  IssueConfirmed: {
    from: ['confirming'],
    to: 'awaiting_approval',
    records: (r, e) => ({
      ...r,
      findings: e.findings,
      target: e.findings.target,
      steps: step(r, 'confirm', { status: 'done', endedAt: e.at }),
    }),
  },
  ConfirmationFailed: {
    from: ['requested', 'confirming'],
    to: 'failed',
    records: (r, e) =>
      failedIn({ ...r, findings: e.findings }, e.at, { step: 'confirm', reason: e.reason, code: e.code }),
  },

  // Awaiting approval.
  RiskAcknowledged: {
    from: ['awaiting_approval'],
    to: STAYS,
    records: (r, e) =>
      r.acknowledgements.some((a) => a.risk === e.risk)
        ? r
        : { ...r, acknowledgements: [...r.acknowledgements, { risk: e.risk, by: e.by, at: e.at }] },
  },
  ApprovalRecorded: {
    from: ['awaiting_approval'],
    to: STAYS,
    guards: [neverADryRun, notApprovedYetBy],
    records: (r, e) => ({ ...r, approvals: [...(r.approvals ?? []), { by: e.by, at: e.at }] }),
  },
  ApprovalGranted: {
    from: ['awaiting_approval'],
    to: 'executing',
    guards: [neverADryRun],
    records: (r, e) => ({
      ...r,
      approvedBy: e.by,
      steps: step(r, 'announce', { status: 'running', startedAt: e.at }),
    }),
  },
  ApprovalExpired: {
    from: ['awaiting_approval'],
    to: 'expired',
    records: (r, e) => ({
      ...r,
      failure: { step: 'confirm', reason: `nobody approved within ${Math.round(e.afterMs / 60_000)} min` },
    }),
  },
  ProductionChanged: {
    from: ['awaiting_approval'],
    to: 'confirming',
    // What was found, acknowledged and approved was about another production: all of it is asked again.
    records: (r, e) => ({
      ...r,
      acknowledgements: [],
      approvals: [],
      productionChanged: { at: e.at, ...(e.by ? { by: e.by } : {}), ...(e.changes ? { changes: e.changes } : {}) },
      steps: step(r, 'confirm', { status: 'running', startedAt: e.at, endedAt: undefined }),
    }),
  },
  DryRunReported: { from: ['awaiting_approval'], to: 'rehearsed', guards: [onlyADryRun] },
  RollbackCancelled: {
    from: BEFORE_APPROVAL,
    to: 'cancelled',
    records: (r, e) => ({
      ...r,
      cancelledBy: e.by,
      steps: r.steps.confirm.status === 'running' ? step(r, 'confirm', { status: 'done', endedAt: e.at }) : r.steps,
    }),
  },

  // Step 2: Announce the rollback.
  RollbackAnnounced: {
    from: ['executing'],
    to: STAYS,
    records: (r, e) => {
      const announced = {
        ...r,
        announcement: e.message,
        steps: step(r, 'announce', { status: 'done', endedAt: e.at }),
      };
      return { ...announced, steps: step(announced, 'execute', { status: 'running', startedAt: e.at }) };
    },
  },
  AnnouncementFailed: {
    from: ['executing', 'completed'],
    // Step 5's announcement failing leaves the rollback as it was: it succeeded; only the message did not go out.
    to: (e) => (e.step === 'announce' ? 'failed' : STAYS),
    records: (r, e) =>
      e.step === 'announce'
        ? failedIn(r, e.at, { step: 'announce', reason: e.reason })
        : { ...r, steps: step(r, 'complete', { status: 'failed', endedAt: e.at }) },
  },

  // Step 3: Execute the rollback.
  DeploymentStarted: {
    from: ['executing'],
    to: STAYS,
    guards: [announcedFirst],
    records: (r, e) => ({ ...r, deployment: e.deployment }),
  },
  ServicesRolledBack: {
    from: ['executing'],
    to: 'verifying',
    records: (r, e) => {
      const executed = { ...r, results: e.results, steps: step(r, 'execute', { status: 'done', endedAt: e.at }) };
      return { ...executed, steps: step(executed, 'verify', { status: 'running', startedAt: e.at }) };
    },
  },
  ExecutionFailed: {
    from: ['executing'],
    to: 'failed',
    records: (r, e) =>
      failedIn({ ...r, results: e.results }, e.at, { step: 'execute', reason: e.reason, code: e.code }),
  },
  OutcomeUnknown: {
    from: ['executing'],
    to: 'unresolved',
    records: (r, e) => ({
      ...r,
      failure: { step: 'execute', reason: e.reason },
      steps: step(r, 'execute', { status: 'failed', endedAt: e.at }),
    }),
  },
  LockReleased: { from: ['unresolved'], to: 'interrupted' },

  // Step 4: Verify the rollback.
  RollbackVerified: {
    from: ['verifying'],
    to: 'completed',
    records: (r, e) => {
      const verified = { ...r, verification: e.evidence, steps: step(r, 'verify', { status: 'done', endedAt: e.at }) };
      return { ...verified, steps: step(verified, 'complete', { status: 'running', startedAt: e.at }) };
    },
  },
  VerificationFailed: {
    from: ['verifying'],
    to: 'failed',
    records: (r, e) => failedIn({ ...r, verification: e.evidence }, e.at, { step: 'verify', reason: e.reason }),
  },

  // Step 5: Announce the resolution.
  ResolutionAnnounced: {
    from: ['completed'],
    to: STAYS,
    records: (r, e) => ({ ...r, resolution: e.message, steps: step(r, 'complete', { status: 'done', endedAt: e.at }) }),
  },

  // Whichever step is running.
  StepOverran: {
    from: ACTIVE,
    to: STAYS,
    records: (r, e) => ({ ...r, overruns: [...r.overruns, `${e.step}:${e.factor}`] }),
  },
  RollbackInterrupted: {
    from: ['requested', 'confirming', 'executing', 'verifying'],
    to: 'interrupted',
    records: (r, e) => {
      const running = STEPS.find((name) => r.steps[name].status === 'running') ?? 'confirm';
      return failedIn(r, e.at, { step: running, reason: e.reason });
    },
  },

  // After-care, in any state.
  ChecklistPosted: {
    from: STATUSES,
    to: STAYS,
    records: (r, e) => ({ ...r, checklist: { ...r.checklist, message: e.message } }),
  },
  ChecklistItemTicked: {
    from: STATUSES,
    to: STAYS,
    guards: [notTickedYet],
    records: (r, e) => ({
      ...r,
      checklist: {
        ...r.checklist,
        ticks: [...r.checklist.ticks, { item: e.item, by: e.by, at: e.at, ...(e.link ? { link: e.link } : {}) }],
      },
    }),
  },
  ChecklistItemUnticked: {
    from: STATUSES,
    to: STAYS,
    records: (r, e) => ({
      ...r,
      checklist: { ...r.checklist, ticks: r.checklist.ticks.filter((t) => t.item !== e.item) },
    }),
  },
  TicketLinked: {
    from: STATUSES,
    to: STAYS,
    records: (r, e) => ({
      ...r,
      checklist: {
        ...r.checklist,
        ticks: r.checklist.ticks.map((t) => (t.item === 'ticket_created' ? { ...t, link: e.url } : t)),
      },
    }),
  },
  GitHubDeploymentMoved: {
    from: STATUSES,
    to: STAYS,
    guards: [githubMoveInOrder],
    records: (r, e) => ({
      ...r,
      githubDeployment: {
        state: e.state,
        id: e.id ?? r.githubDeployment?.id ?? null,
        url: e.url ?? r.githubDeployment?.url ?? null,
      },
    }),
  },
  RootCauseCleared: {
    from: MAY_BE_MARKED,
    to: STAYS,
    guards: [reachedStep3],
    records: (r, e) => (r.rootCauseCleared ? r : { ...r, rootCauseCleared: { by: e.by, at: e.at } }),
  },

  // Production and people, in any state.
  HandsOnChange: {
    from: STATUSES,
    to: STAYS,
    // Past the locked gate after this rollback ended: its card must stop saying what runs now. Otherwise audit only.
    records: (r, e) => {
      if (!e.gated || !isTerminal(r.status) || !mayHaveChangedProduction(r) || r.rootCauseCleared) return UNCHANGED;
      const latest = [...(r.changedSince?.latest ?? []), { at: e.at, changes: e.changes }];
      return {
        ...r,
        changedSince: { count: (r.changedSince?.count ?? 0) + 1, latest: latest.slice(-CHANGED_SINCE_KEPT) },
      };
    },
  },
  ApprovalRefused: { from: STATUSES, to: STAYS, records: turnedAway },
  RequestRefused: { from: STATUSES, to: STAYS, records: turnedAway },
};

export function transition(state: Rollback, event: RollbackEvent): TransitionResult {
  // The table is typed per event; looked up by a runtime type, its row is the one for this event.
  const rule = TRANSITIONS[event.type] as Rule<RollbackEvent>;
  if (!rule.from.includes(state.status)) return reject(state, event);
  for (const guard of rule.guards ?? []) {
    const why = guard(state, event);
    if (why !== null) return reject(state, event, why);
  }
  const stamped = { ...state, updatedAt: event.at };
  const recorded = rule.records ? rule.records(stamped, event) : stamped;
  if (recorded === UNCHANGED) return ok(state);
  const to = typeof rule.to === 'function' ? rule.to(event) : rule.to;
  const next = to === STAYS ? recorded : { ...recorded, status: to };
  const ended = isTerminal(next.status) && !isTerminal(state.status);
  return ok(ended ? { ...next, endedAt: event.at } : next);
}

const ok = (state: Rollback): TransitionResult => ({ ok: true, state });

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
