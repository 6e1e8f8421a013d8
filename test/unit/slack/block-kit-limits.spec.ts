/**
 * Every message and view the bot builds, with extreme inputs (up to 50 services, reasons and versions at and past
 * their limits, unicode, right-to-left and markup characters, every state and every strategy), checked against the
 * rules the fake Slack enforces (test/support/block-kit.ts): none of them would be refused. Where the input is too
 * big for Block Kit, the bot degrades on purpose: a summary and "the thread has the rest", never a refusal.
 */
import fc from 'fast-check';
import { MANUAL_ITEMS } from '../../../src/domain/checklist';
import type { ServiceResult, ServiceVersion } from '../../../src/domain/findings';
import type { HandsOnChange } from '../../../src/domain/facts';
import type { ProgressNote } from '../../../src/ports';
import { newRollback, type Rollback, STATUSES, STEPS } from '../../../src/domain/rollback';
import { STRATEGIES } from '../../../src/config/strategies';
import { type RollbackEvent } from '../../../src/domain/rollback.events';
import { markdownTimeline } from '../../../src/runbook/reports/timeline';
import { duplicateCard, minimalCard, notStartedCard, rollbackCard } from '../../../src/slack/blocks/card';
import { checklistMessage } from '../../../src/slack/blocks/checklist';
import {
  helpMessage,
  historyMessage,
  reportsAlertMessage,
  statusMessage,
  timelineMessage,
} from '../../../src/slack/blocks/messages';
import { rollbackModal } from '../../../src/slack/blocks/modal';
import { NO_MENTIONS, progressText } from '../../../src/slack/blocks/thread';
import { ACTION } from '../../../src/slack/ids';
import { messageProblems, viewProblems } from '../../support/block-kit';

const AT = '2026-12-01T10:00:00.000Z';
const LATER = '2026-12-01T10:04:00.000Z';

/** Characters that stress rendering and counting: multi-unit, right-to-left, markup Slack reads, zero-width. */
const NASTY = ['a', 'é', 'ש', 'ع', '\u202E', '😀', '<', '>', '&', '*', '_', '`', '~', '\u200B', '\n', ' ', '|'];

/** A string of up to `max` UTF-16 units: short random ones, or one character repeated to the limit (and past it). */
const extreme = (max: number) =>
  fc.oneof(
    fc.string({ maxLength: 20 }),
    fc.string({ unit: 'grapheme', maxLength: 10 }),
    fc
      .tuple(fc.constantFrom(...NASTY), fc.constantFrom(1, Math.floor(max / 2), max - 1, max, max + 1))
      .map(([c, n]) => c.repeat(n).slice(0, Math.max(1, n))),
    fc
      .array(fc.constantFrom(...NASTY), { minLength: 1, maxLength: 40 })
      .map((a) => a.join('').repeat(max).slice(0, max)),
  );

/** Docker-tag-like versions at the version pattern's limit (128), as they reach the bot after validation. */
const version = fc.oneof(
  fc.constantFrom('v1', 'v2', '3f2a9c1'),
  fc.integer({ min: 1, max: 128 }).map((n) => `v${'9'.repeat(n - 1)}`.slice(0, 128)),
);

const services = fc.integer({ min: 1, max: 50 }).chain((n) =>
  fc.tuple(
    fc.array(fc.tuple(extreme(63), extreme(200), version, fc.option(version, { nil: null })), {
      minLength: n,
      maxLength: n,
    }),
  ),
);

interface Input {
  status: Rollback['status'];
  strategy: Rollback['strategy'];
  dryRun: boolean;
  reason: string;
  failure: string;
  body: string;
  target: string;
  environment: string;
  services: ServiceVersion[];
  files: string[];
  tooling: string;
}

const input: fc.Arbitrary<Input> = fc.record({
  status: fc.constantFrom(...STATUSES),
  strategy: fc.constantFrom(...STRATEGIES),
  dryRun: fc.boolean(),
  reason: extreme(3000),
  failure: extreme(10_000),
  body: extreme(5000),
  target: version,
  environment: fc.oneof(fc.constant('production'), fc.constant(`p${'r'.repeat(63)}`)),
  services: services.map(([list]) =>
    list.map(([service, dockerService, v, previous]) => ({
      service,
      dockerService,
      version: v,
      previousVersion: previous,
    })),
  ),
  files: fc.array(extreme(300), { maxLength: 60 }),
  tooling: extreme(2000),
});

function rollbackOf(i: Input): Rollback {
  const base = newRollback({
    id: 'rb-0123456789abcdef',
    environment: i.environment,
    channel: 'C0INCIDENT',
    requestedBy: 'U0ONCALL',
    at: AT,
    reason: i.reason,
    requestedTarget: i.target,
    dryRun: i.dryRun,
    strategy: i.strategy,
  });
  const results: ServiceResult[] = i.services.map((s, n) => ({
    service: s.service,
    dockerService: s.dockerService,
    outcome: n % 3 === 0 ? 'failed' : 'rolled_back',
    fromVersion: s.version,
    toVersion: i.target,
    runningVersion: s.version,
    detail: i.failure,
  }));
  return {
    ...base,
    status: i.status,
    target: i.target,
    approvedBy: 'U0IC',
    cancelledBy: i.status === 'cancelled' ? 'U0IC' : null,
    findings: {
      health: { url: 'http://h/health', ok: false, attempts: 5, status: 404, body: i.body },
      ready: { url: 'http://h/ready', ok: false, attempts: 1, error: i.body },
      services: i.services,
      target: i.target,
      targetSource: 'swarm_previous_spec',
      targetNote: i.tooling,
      migrations: { verdict: 'included', source: i.tooling, files: i.files },
      deploy: {
        version: i.target,
        at: AT,
        actor: i.tooling.slice(0, 200),
        url: `https://ci.example.com/${'r'.repeat(1900)}`,
        commit: 'abc1234',
      },
      tooling: [
        { tool: 'docker', ok: false, detail: i.tooling },
        { tool: i.tooling, ok: true, detail: i.tooling },
      ],
      criteria: {
        overall: 'immediate',
        rows: Array.from({ length: 6 }, () => ({
          signal: 'error_rate' as const,
          label: i.tooling,
          threshold: i.tooling,
          observed: i.tooling,
          verdict: 'met' as const,
          action: 'immediate' as const,
        })),
      },
    },
    results,
    verification: {
      health: { url: 'http://h/health', ok: true, attempts: 1, status: 200, version: i.target, body: i.body },
      smokeTests: i.services.map((s) => ({
        name: s.service,
        url: 'http://h/',
        ok: false,
        expectedStatus: 200,
        status: 500,
      })),
    },
    failure: { step: 'execute', reason: i.failure },
    steps: Object.fromEntries(
      STEPS.map((s) => [s, { status: 'done', startedAt: AT, endedAt: LATER }]),
    ) as Rollback['steps'],
    acknowledgements: [
      { risk: 'no_criterion', by: 'U0IC', at: AT },
      { risk: 'migrations', by: 'U0IC', at: AT },
    ],
    checklist: {
      message: { channel: 'C0INCIDENT', ts: '1.000001' },
      ticks: MANUAL_ITEMS.map((item) => ({ item, by: 'U0IC', at: AT, link: `https://example.com/${i.tooling}` })),
    },
    overruns: STEPS.map((s) => `${s}:1`),
    approvals: [{ by: 'U0IC', at: AT }],
    productionChanged: { at: AT, changes: changesOf(i) },
    // Changed past the locked gate after the rollback, many times, each time every service.
    changedSince: { count: 9, latest: [AT, LATER, LATER].map((at) => ({ at, changes: changesOf(i) })) },
    updatedAt: LATER,
  } as Rollback;
}

/** Every service changed by hand, by every kind of change. */
function changesOf(i: Input): HandsOnChange[] {
  const how = ['update', 'rollback', 'scale'] as const;
  return i.services.map((s, n) => ({
    service: s.service,
    dockerService: s.dockerService,
    from: s.version,
    to: n % 3 === 2 ? s.version : i.target,
    how: how[n % 3],
    ...(n % 2 === 0 ? { replicas: { from: 1, to: 99 } } : {}),
  }));
}

/** Every threaded line an event of this rollback can produce. */
function events(r: Rollback, i: Input): Array<RollbackEvent | ProgressNote> {
  const svc = i.services;
  return [
    { type: 'ConfirmationStarted', at: AT },
    {
      type: 'IssueConfirmed',
      at: AT,
      findings: { ...(r.findings as NonNullable<Rollback['findings']>), target: i.target },
    },
    { type: 'ConfirmationFailed', at: AT, reason: i.failure, findings: r.findings },
    { type: 'ApprovalGranted', at: AT, by: 'U0IC' },
    { type: 'ApprovalRefused', at: AT, by: 'U0SOMEONE', action: 'approve', why: i.failure },
    { type: 'RequestRefused', at: AT, by: 'U0SOMEONE', why: i.failure },
    { type: 'RollbackInterrupted', at: AT, reason: i.failure, services: svc },
    { type: 'StepOverran', at: AT, step: 'execute', budgetMs: 300_000, factor: 2 },
    { type: 'RollbackCancelled', at: AT, by: 'U0IC', why: i.failure },
    { type: 'ApprovalExpired', at: AT, afterMs: 3_600_000 },
    { type: 'ProductionChanged', at: AT, by: 'U0IC', services: svc },
    { type: 'ProductionChanged', at: AT, services: svc, changes: changesOf(i) },
    ...[true, false].map((gated): ProgressNote => ({
      type: 'Note',
      at: AT,
      fact: { kind: 'hands_on_change', changes: changesOf(i), during: r.status, gated },
    })),
    { type: 'OutcomeUnknown', at: AT, reason: i.failure, services: svc },
    { type: 'LockReleased', at: AT, by: 'U0IC', why: i.failure },
    { type: 'TicketLinked', at: AT, url: `https://example.com/${i.tooling}` },
    { type: 'AnnouncementFailed', at: AT, step: 'announce', reason: i.failure },
    { type: 'ServicesRolledBack', at: AT, results: r.results ?? [] },
    { type: 'ExecutionFailed', at: AT, reason: i.failure, results: r.results ?? [] },
    { type: 'RollbackVerified', at: AT, evidence: r.verification as NonNullable<Rollback['verification']> },
    {
      type: 'VerificationFailed',
      at: AT,
      reason: i.failure,
      evidence: r.verification as NonNullable<Rollback['verification']>,
    },
    { type: 'DryRunReported', at: AT, plan: i.failure },
  ] as Array<RollbackEvent | ProgressNote>;
}

const refusedFor = (what: string, problems: { error: string; detail: string }[]) =>
  problems.map((p) => `${what}: ${p.error} ${p.detail}`);

/**
 * Runs the property; on a counterexample, fails with Slack's objections to it (not the input itself: it runs to
 * hundreds of kilobytes).
 */
function assertNoRefusal<T>(arb: fc.Arbitrary<T>, problemsOf: (value: T) => string[], numRuns: number): void {
  const result = fc.check(
    fc.property(arb, (v) => problemsOf(v).length === 0),
    { numRuns },
  );
  if (result.failed) {
    const found = result.counterexample ? problemsOf(result.counterexample[0]) : [String(result.errorInstance)];
    throw new Error(`Slack would refuse (seed ${result.seed}):\n${found.slice(0, 20).join('\n')}`);
  }
}

describe('every message and view the bot builds passes Slack checks', () => {
  it('cards, checklists and threaded lines, in every state and strategy', () => {
    assertNoRefusal(
      input,
      (i) => {
        const r = rollbackOf(i);
        const card = rollbackCard(r, { execute: 300_000 });
        return [
          ...refusedFor('card', messageProblems({ ...card })),
          // Shortened on purpose, never by losing the decision: Approve stays while it is the next step.
          ...(r.status === 'awaiting_approval' && !r.dryRun && !JSON.stringify(card.blocks).includes(ACTION.approve)
            ? ['card: Approve is missing']
            : []),
          ...(JSON.stringify(card.blocks).includes(r.id) ? [] : ['card: its footer (the rollback id) is missing']),
          ...refusedFor('minimal card', messageProblems({ ...minimalCard(r) })),
          ...refusedFor('not started card', messageProblems({ ...notStartedCard(r) })),
          ...refusedFor(
            'duplicate card',
            messageProblems({ ...duplicateCard(r, 'https://slack.com/archives/C0INCIDENT/p1700000000000100') }),
          ),
          ...refusedFor('checklist', messageProblems({ ...checklistMessage(r, { ticketTracker: true }) })),
          ...events(r, i).flatMap((e) => {
            const text = progressText(r, e, NO_MENTIONS);
            return text === null ? [] : refusedFor(`thread ${e.type}`, messageProblems({ text }));
          }),
        ];
      },
      150,
    );
  });

  it('status, history, timeline, reports alert, help and the form', () => {
    assertNoRefusal(
      fc.tuple(fc.array(input, { minLength: 1, maxLength: 40 }), extreme(500)),
      ([inputs, free]) => {
        const rollbacks = inputs.map(rollbackOf);
        const environments = inputs.map((i, n) => `${i.environment.slice(0, 60)}${n}`);
        return [
          ...refusedFor(
            'status',
            messageProblems({
              ...statusMessage({
                active: rollbacks,
                recent: rollbacks,
                marked: rollbacks,
                drivers: new Map(rollbacks.map((r) => [r.id, free])),
              }),
            }),
          ),
          ...refusedFor('history', messageProblems({ ...historyMessage(environments[0], rollbacks) })),
          ...refusedFor(
            'timeline',
            messageProblems({
              ...timelineMessage(
                markdownTimeline(
                  rollbacks[0],
                  events(rollbacks[0], inputs[0])
                    .filter((e): e is RollbackEvent => e.type !== 'Note')
                    .map((event, seq) => ({
                      rollbackId: rollbacks[0].id,
                      seq,
                      at: AT,
                      type: event.type,
                      actor: 'U0IC',
                      event,
                    })),
                ),
              ),
            }),
          ),
          ...refusedFor(
            'reports',
            messageProblems({
              ...reportsAlertMessage({
                environment: environments[0],
                reporters: inputs.map((_, n) => `U0REPORTER${n}`),
                reports: inputs.map((i) => i.reason),
                windowMinutes: 10,
                mentions: NO_MENTIONS,
              }),
            }),
          ),
          ...refusedFor('help', messageProblems({ ...helpMessage(environments) })),
          ...refusedFor(
            'form',
            viewProblems(
              rollbackModal({
                environments,
                initialEnvironment: environments[0],
                proposal: inputs[0].target,
                channelId: 'C0INCIDENT',
              }),
            ),
          ),
        ];
      },
      60,
    );
  });
});

describe('degrades on purpose where Block Kit is too small', () => {
  const many: Input = {
    status: 'awaiting_approval',
    strategy: 'docker',
    dryRun: false,
    reason: 'error rate 12%',
    failure: 'x',
    body: 'ok',
    target: 'v1',
    environment: 'production',
    services: Array.from({ length: 50 }, (_, n) => ({
      service: `service-${n}`,
      dockerService: `stack_service-with-a-long-name-${n}`,
      version: `v2.${'0'.repeat(100)}`,
      previousVersion: 'v1',
    })),
    files: Array.from({ length: 40 }, (_, n) => `alembic/versions/${n}_change.py`),
    tooling: 'docker 24',
  };

  it('a card for 50 services lists what fits, says how many more, and points to the thread that has them all', () => {
    const r = rollbackOf(many);
    const card = JSON.stringify(rollbackCard(r).blocks);
    expect(card).toMatch(/…and \d+ more services: every one is in the thread \(Step 1\)\./);
    expect(card).toContain('service-0');
    expect(card).not.toContain('service-49 ');
    expect(card).toContain(ACTION.approve);
    expect(card).toContain('and 30 more');
    const thread = progressText(r, events(r, many)[1], NO_MENTIONS) ?? '';
    for (let n = 0; n < 50; n++) expect(thread).toContain(`service-${n} `);
  });

  it('a threaded line past 40,000 characters is cut with where to read the rest', () => {
    const r = rollbackOf({ ...many, failure: 'f'.repeat(60_000) });
    const text =
      progressText(
        r,
        { type: 'ConfirmationFailed', at: AT, reason: 'f'.repeat(60_000), findings: null },
        NO_MENTIONS,
      ) ?? '';
    expect(text.length).toBeLessThanOrEqual(40_000);
    expect(text).toMatch(/cut here: too long for Slack; `\/rollback timeline rb-0123456789abcdef` has it all\)$/);
  });
});
