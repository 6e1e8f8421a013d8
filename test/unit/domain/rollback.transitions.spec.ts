import {
  type GitHubDeploymentState,
  newRollback,
  type Rollback,
  STATUSES,
  type Status,
} from '../../../src/domain/rollback';
import { type EventType, type RollbackEvent } from '../../../src/domain/rollback.events';
import { transition } from '../../../src/domain/rollback.transitions';

const AT = '2026-11-26T10:00:00.000Z';
const LATER = '2026-11-26T10:00:05.000Z';
const findings = {
  health: { url: 'http://h/health', ok: false, attempts: 5, status: 500 },
  ready: null,
  services: [{ service: 'backend', dockerService: 'app-backend', version: 'v2', previousVersion: 'v1' }],
  target: 'v1',
  targetSource: 'swarm_previous_spec' as const,
  targetNote: 'PreviousSpec',
};
const evidence = {
  health: { url: 'http://h/health', ok: true, attempts: 1, status: 200, version: 'v1' },
  smokeTests: [],
};
const ref = { channel: 'C1', ts: '1.000001' };

const EVENTS: Record<EventType, RollbackEvent> = {
  CardPosted: { type: 'CardPosted', at: LATER, card: ref },
  ConfirmationStarted: { type: 'ConfirmationStarted', at: LATER },
  IssueConfirmed: { type: 'IssueConfirmed', at: LATER, findings },
  ConfirmationFailed: { type: 'ConfirmationFailed', at: LATER, reason: 'no target', findings: null },
  ApprovalGranted: { type: 'ApprovalGranted', at: LATER, by: 'U0IC' },
  ApprovalRefused: {
    type: 'ApprovalRefused',
    at: LATER,
    by: 'U0X',
    action: 'approve',
    why: 'not an incident commander',
  },
  RequestRefused: { type: 'RequestRefused', at: LATER, by: 'U0X', why: 'a rollback is already in progress' },
  RollbackInterrupted: {
    type: 'RollbackInterrupted',
    at: LATER,
    reason: 'backend runs v9, neither v2 nor v1',
    services: [],
  },
  RiskAcknowledged: { type: 'RiskAcknowledged', at: LATER, by: 'U0IC', risk: 'migrations' },
  StepOverran: { type: 'StepOverran', at: LATER, step: 'execute', budgetMs: 300_000, factor: 1 },
  ChecklistPosted: { type: 'ChecklistPosted', at: LATER, message: ref },
  RootCauseCleared: { type: 'RootCauseCleared', at: LATER, by: 'U0IC' },
  DryRunReported: { type: 'DryRunReported', at: LATER, plan: 'Step 3 would update …' },
  ChecklistItemTicked: { type: 'ChecklistItemTicked', at: LATER, by: 'U0IC', item: 'ticket_created' },
  RollbackCancelled: { type: 'RollbackCancelled', at: LATER, by: 'U0IC' },
  RollbackAnnounced: { type: 'RollbackAnnounced', at: LATER, message: ref },
  AnnouncementFailed: { type: 'AnnouncementFailed', at: LATER, step: 'announce', reason: 'not_in_channel' },
  DeploymentStarted: {
    type: 'DeploymentStarted',
    at: LATER,
    deployment: { kind: 'workflow', runId: 42, url: 'https://github.com/o/r/actions/runs/42' },
  },
  ServicesRolledBack: { type: 'ServicesRolledBack', at: LATER, results: [] },
  ExecutionFailed: { type: 'ExecutionFailed', at: LATER, reason: 'pull failed', results: [] },
  RollbackVerified: { type: 'RollbackVerified', at: LATER, evidence },
  VerificationFailed: { type: 'VerificationFailed', at: LATER, reason: 'version mismatch', evidence },
  ResolutionAnnounced: { type: 'ResolutionAnnounced', at: LATER, message: ref },
  ApprovalRecorded: { type: 'ApprovalRecorded', at: LATER, by: 'U0IC' },
  ApprovalExpired: { type: 'ApprovalExpired', at: LATER, afterMs: 1_800_000 },
  ProductionChanged: { type: 'ProductionChanged', at: LATER, by: 'U0IC', services: [] },
  OutcomeUnknown: { type: 'OutcomeUnknown', at: LATER, reason: 'the dispatch timed out', services: [] },
  LockReleased: { type: 'LockReleased', at: LATER, by: 'U0IC' },
  ChecklistItemUnticked: { type: 'ChecklistItemUnticked', at: LATER, item: 'ticket_created', why: 'GitHub refused' },
  TicketLinked: { type: 'TicketLinked', at: LATER, url: 'https://github.com/o/r/issues/1' },
  GitHubDeploymentMoved: { type: 'GitHubDeploymentMoved', at: LATER, state: 'creating' },
  HandsOnChange: {
    type: 'HandsOnChange',
    at: AT,
    changes: [{ service: 'backend', dockerService: 'app-backend', from: 'v1', to: 'v2' }],
    gated: true,
  },
};

// Written out by hand from the runbook (not derived from the implementation's table): which events each state takes.
const AFTER_CARE: EventType[] = ['ChecklistItemUnticked', 'TicketLinked', 'GitHubDeploymentMoved'];
const EXPECTED: Record<Status, EventType[]> = {
  requested: [
    'ChecklistPosted',
    'ChecklistItemTicked',
    'CardPosted',
    'ConfirmationStarted',
    'ConfirmationFailed',
    'ApprovalRefused',
    'RequestRefused',
    'HandsOnChange',
    'RollbackCancelled',
    'RollbackInterrupted',
    'StepOverran',
  ],
  confirming: [
    'ChecklistPosted',
    'ChecklistItemTicked',
    'CardPosted',
    'IssueConfirmed',
    'ConfirmationFailed',
    'ApprovalRefused',
    'RequestRefused',
    'HandsOnChange',
    'RollbackCancelled',
    'RollbackInterrupted',
    'StepOverran',
  ],
  awaiting_approval: [
    'ChecklistPosted',
    'ChecklistItemTicked',
    'CardPosted',
    'ApprovalGranted',
    'ApprovalRefused',
    'RequestRefused',
    'HandsOnChange',
    'RollbackCancelled',
    'RiskAcknowledged',
    'StepOverran',
    'ApprovalRecorded',
    'ApprovalExpired',
    'ProductionChanged',
  ],
  executing: [
    'ChecklistPosted',
    'ChecklistItemTicked',
    'ApprovalRefused',
    'RequestRefused',
    'HandsOnChange',
    'RollbackAnnounced',
    'AnnouncementFailed',
    'ServicesRolledBack',
    'ExecutionFailed',
    'RollbackInterrupted',
    'StepOverran',
    'OutcomeUnknown',
  ],
  verifying: [
    'ChecklistPosted',
    'ChecklistItemTicked',
    'ApprovalRefused',
    'RequestRefused',
    'HandsOnChange',
    'RollbackVerified',
    'VerificationFailed',
    'RollbackInterrupted',
    'StepOverran',
  ],
  completed: [
    'ChecklistPosted',
    'ChecklistItemTicked',
    'RootCauseCleared',
    'ApprovalRefused',
    'RequestRefused',
    'HandsOnChange',
    'AnnouncementFailed',
    'ResolutionAnnounced',
  ],
  // The table's failed and interrupted rollbacks failed in Step 3 (see inState): their mark can be cleared.
  failed: [
    'ChecklistPosted',
    'ChecklistItemTicked',
    'ApprovalRefused',
    'RequestRefused',
    'HandsOnChange',
    'RootCauseCleared',
  ],
  cancelled: ['ChecklistPosted', 'ChecklistItemTicked', 'ApprovalRefused', 'RequestRefused', 'HandsOnChange'],
  interrupted: [
    'ChecklistPosted',
    'ChecklistItemTicked',
    'ApprovalRefused',
    'RequestRefused',
    'HandsOnChange',
    'RootCauseCleared',
  ],
  rehearsed: ['ChecklistPosted', 'ChecklistItemTicked', 'ApprovalRefused', 'RequestRefused', 'HandsOnChange'],
  expired: ['ChecklistPosted', 'ChecklistItemTicked', 'ApprovalRefused', 'RequestRefused', 'HandsOnChange'],
  unresolved: [
    'ChecklistPosted',
    'ChecklistItemTicked',
    'ApprovalRefused',
    'RequestRefused',
    'HandsOnChange',
    'LockReleased',
  ],
};
for (const s of Object.keys(EXPECTED) as Status[]) EXPECTED[s].push(...AFTER_CARE);

const draft = newRollback({
  id: 'rb-1',
  environment: 'production',
  channel: 'C1',
  requestedBy: 'U0ONCALL',
  at: AT,
  reason: 'errors',
  requestedTarget: null,
});
/** A rollback in `status`; a completed, failed or interrupted one got as far as Step 3 (as a completed one must). */
const inState = (status: Status): Rollback => ({
  ...draft,
  status,
  ...(['completed', 'failed', 'interrupted'].includes(status)
    ? { steps: { ...draft.steps, execute: { status: status === 'completed' ? 'done' : 'failed', startedAt: AT } } }
    : {}),
});

describe('transition()', () => {
  it('moves the GitHub deployment in order only, so each call to GitHub is claimed once', () => {
    const move = (r: Rollback, state: GitHubDeploymentState, extra: { id?: number; url?: string } = {}) =>
      transition(r, { type: 'GitHubDeploymentMoved', at: LATER, state, ...extra });
    const start = inState('executing');
    expect(move(start, 'success').ok).toBe(false);
    const claimed = move(start, 'creating');
    if (!claimed.ok) throw new Error('not claimed');
    expect(move(claimed.state, 'creating')).toMatchObject({
      ok: false,
      rejection: { message: 'the GitHub deployment is creating: it cannot become creating' },
    });
    const created = move(claimed.state, 'in_progress', { id: 9, url: 'https://github.com/o/r/deployments/p' });
    if (!created.ok) throw new Error('not created');
    const done = move(created.state, 'success');
    expect(done.ok && done.state.githubDeployment).toEqual({
      state: 'success',
      id: 9,
      url: 'https://github.com/o/r/deployments/p',
    });
    expect(done.ok && move(done.state, 'failure').ok).toBe(false);
    expect(move(claimed.state, 'unavailable')).toMatchObject({ ok: true });
  });

  const cases = STATUSES.flatMap((status) =>
    (Object.keys(EVENTS) as EventType[]).map((event) => [status, event] as const),
  );

  it.each(cases)('%s + %s', (status, eventType) => {
    const result = transition(inState(status), EVENTS[eventType]);
    if (EXPECTED[status].includes(eventType)) {
      expect(result.ok).toBe(true);
    } else {
      expect(result).toEqual({
        ok: false,
        rejection: expect.objectContaining({ code: 'INVALID_TRANSITION', status, event: eventType }),
      });
    }
  });

  it('records what Step 3 started only once the rollback was announced (the table state has no announcement)', () => {
    const announced = { ...inState('executing'), announcement: ref };
    const r = transition(announced, EVENTS.DeploymentStarted);
    expect(r.ok && r.state.deployment).toEqual({
      kind: 'workflow',
      runId: 42,
      url: 'https://github.com/o/r/actions/runs/42',
    });
    expect(r.ok && r.state.status).toBe('executing');
    expect(transition(inState('executing'), EVENTS.DeploymentStarted)).toMatchObject({
      ok: false,
      rejection: { message: 'nothing is deployed before the rollback is announced' },
    });
  });

  it('ends a dry run with its report, and never approves one', () => {
    const dry = { ...inState('awaiting_approval'), dryRun: true };
    const r = transition(dry, EVENTS.DryRunReported);
    expect(r.ok && r.state.status).toBe('rehearsed');
    expect(transition(dry, EVENTS.ApprovalGranted)).toMatchObject({
      ok: false,
      rejection: { message: 'a dry run is never approved' },
    });
  });

  it('walks the happy path with every step timed', () => {
    let s = inState('requested');
    const path: [EventType, Status][] = [
      ['CardPosted', 'requested'],
      ['ConfirmationStarted', 'confirming'],
      ['IssueConfirmed', 'awaiting_approval'],
      ['ApprovalGranted', 'executing'],
      ['RollbackAnnounced', 'executing'],
      ['ServicesRolledBack', 'verifying'],
      ['RollbackVerified', 'completed'],
      ['ResolutionAnnounced', 'completed'],
    ];
    for (const [type, status] of path) {
      const r = transition(s, EVENTS[type]);
      if (!r.ok) throw new Error(r.rejection.message);
      s = r.state;
      expect(s.status).toBe(status);
    }
    expect(s.target).toBe('v1');
    expect(s.approvedBy).toBe('U0IC');
    expect(s.card).toEqual(ref);
    expect(Object.values(s.steps)).toEqual(Array(5).fill({ status: 'done', startedAt: LATER, endedAt: LATER }));
  });

  it('records which step failed and why', () => {
    const r = transition(inState('verifying'), EVENTS.VerificationFailed);
    expect(r.ok && r.state).toMatchObject({
      status: 'failed',
      failure: { step: 'verify', reason: 'version mismatch' },
      steps: { verify: { status: 'failed' } },
    });
  });

  it('keeps a completed rollback completed when only the resolution message failed', () => {
    const r = transition(inState('completed'), {
      type: 'AnnouncementFailed',
      at: LATER,
      step: 'complete',
      reason: 'slack down',
    });
    expect(r.ok && r.state).toMatchObject({ status: 'completed', steps: { complete: { status: 'failed' } } });
  });

  it('a refused approval or request changes nothing at all, not even the update time', () => {
    for (const status of STATUSES) {
      const before = inState(status);
      expect(transition(before, EVENTS.ApprovalRefused)).toEqual({ ok: true, state: before });
      expect(transition(before, EVENTS.RequestRefused)).toEqual({ ok: true, state: before });
    }
  });

  it('records when a rollback ended, once, by the event that ended it', () => {
    const r = transition(inState('verifying'), EVENTS.RollbackVerified);
    expect(r.ok && r.state.endedAt).toBe(LATER);
    const ticked = r.ok
      ? transition(r.state, {
          type: 'ChecklistItemTicked',
          at: '2026-11-27T00:00:00.000Z',
          by: 'U0IC',
          item: 'smoke_passing',
        })
      : null;
    expect(ticked?.ok && ticked.state.endedAt).toBe(LATER);
    expect(transition(inState('awaiting_approval'), EVENTS.ApprovalGranted)).toMatchObject({
      ok: true,
      state: { endedAt: null },
    });
  });

  it('refuses a second tick of the same item, so an after-care action is claimed once', () => {
    const once = transition(inState('completed'), EVENTS.ChecklistItemTicked);
    expect(once.ok).toBe(true);
    expect(once.ok && transition(once.state, EVENTS.ChecklistItemTicked)).toMatchObject({
      ok: false,
      rejection: { message: 'already ticked' },
    });
  });

  it('sends a rollback whose production changed back to Step 1, forgetting acknowledgements and approvals', () => {
    const waiting = {
      ...inState('awaiting_approval'),
      acknowledgements: [{ risk: 'migrations' as const, by: 'U0IC', at: AT }],
      approvals: [{ by: 'U0IC', at: AT }],
    };
    const r = transition(waiting, EVENTS.ProductionChanged);
    expect(r.ok && r.state).toMatchObject({
      status: 'confirming',
      acknowledgements: [],
      approvals: [],
      steps: { confirm: { status: 'running' } },
    });
  });

  it('keeps an unknown outcome locked until released, then interrupted', () => {
    const r = transition(inState('executing'), EVENTS.OutcomeUnknown);
    expect(r.ok && r.state.status).toBe('unresolved');
    expect(r.ok && r.state.endedAt).toBeNull();
    const released = r.ok ? transition(r.state, EVENTS.LockReleased) : null;
    expect(released?.ok && released.state).toMatchObject({ status: 'interrupted', endedAt: LATER });
  });

  it('marks the running step failed when a rollback is interrupted', () => {
    const executing = {
      ...inState('executing'),
      steps: { ...inState('executing').steps, execute: { status: 'running' as const, startedAt: AT } },
    };
    const r = transition(executing, EVENTS.RollbackInterrupted);
    expect(r.ok && r.state).toMatchObject({
      status: 'interrupted',
      failure: { step: 'execute', reason: 'backend runs v9, neither v2 nor v1' },
      steps: { execute: { status: 'failed', startedAt: AT, endedAt: LATER } },
    });
  });

  it('clears the mark of a rollback that may have changed production, never of one that did not reach Step 3', () => {
    const cleared = transition(inState('failed'), EVENTS.RootCauseCleared);
    expect(cleared.ok && cleared.state.rootCauseCleared).toEqual({ by: 'U0IC', at: LATER });
    for (const status of ['failed', 'interrupted', 'cancelled', 'expired', 'rehearsed'] as const) {
      const never = { ...inState(status), steps: draft.steps };
      expect(transition(never, EVENTS.RootCauseCleared)).toMatchObject({ ok: false });
    }
  });

  it('does not mutate the state it was given', () => {
    const before = inState('awaiting_approval');
    const copy = structuredClone(before);
    transition(before, EVENTS.ApprovalGranted);
    expect(before).toEqual(copy);
  });
});
