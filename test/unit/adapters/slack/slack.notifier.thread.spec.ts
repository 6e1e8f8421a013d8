/**
 * The incident's thread never waits behind noise: a CI job retrying against a locked environment must not queue one
 * line per refused deploy ahead of a rollback's steps (Slack allows about one post a second per channel). Refused
 * reports and clicks are summed up, at most one line a minute per card, and go after the steps.
 */
import type { WebClient } from '@slack/web-api';
import { REFUSAL_SUMMARY_MS, SlackNotifier } from '../../../../src/adapters/slack/slack.notifier';
import { SLACK_LIMITS, SlackPacer } from '../../../../src/adapters/slack/slack.pacer';
import type { Rollback } from '../../../../src/domain/rollback';
import type { RollbackEvent } from '../../../../src/domain/rollback.events';
import { humanUtc } from '../../../../src/domain/time';
import type { ProgressNote } from '../../../../src/ports';
import { approvedEvents, draftRollback, quietLog, rollbackAfter, unitConfig } from '../../../support/fakes';

const T0 = Date.parse('2026-12-01T10:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();

interface Post {
  thread: string;
  text: string;
  at: number;
}

/** A Web API client that records each message it posts (with the fake clock's time) and accepts every update. */
function recordingClient() {
  const posts: Post[] = [];
  const client = {
    chat: {
      postMessage: async (args: { text: string; thread_ts?: string }) => {
        posts.push({ thread: args.thread_ts ?? '', text: args.text, at: Date.now() - T0 });
        return { ok: true, channel: 'C0INCIDENT', ts: `9.${posts.length}` };
      },
      update: async () => ({ ok: true }),
    },
  } as unknown as WebClient;
  return { client, posts };
}

const withCard = (id: string, ts: string, events: RollbackEvent[]): Rollback => ({
  ...rollbackAfter(draftRollback(iso(T0), { id }), events),
  card: { channel: 'C0INCIDENT', ts },
  version: 1 + events.length,
});

const refusedDeploy = (at: number, caller: string, version: string, actor: string): ProgressNote => ({
  type: 'Note',
  at: iso(at),
  fact: { kind: 'deploy_refused', version, caller, actor, url: null },
});

beforeEach(() => jest.useFakeTimers({ now: T0 }));
afterEach(() => jest.useRealTimers());

/** A rollback awaiting approval, then approved, announced and rolled back (Step 3 done): the states and events. */
function stepsAfterApproval(id: string, ts: string, at: number) {
  const [started, confirmed, approved] = approvedEvents(iso(at));
  const results = [
    {
      service: 'backend',
      dockerService: 'demo-backend',
      outcome: 'rolled_back' as const,
      fromVersion: 'v2',
      toVersion: 'v1',
      runningVersion: 'v1',
    },
  ];
  const later: RollbackEvent[] = [
    approved,
    { type: 'RollbackAnnounced', at: iso(at), message: { channel: 'C0INCIDENT', ts: '5.5' } },
    { type: 'ServicesRolledBack', at: iso(at), results },
  ];
  const before = [started, confirmed];
  return {
    awaiting: withCard(id, ts, before),
    steps: later.map((event, n) => ({ state: withCard(id, ts, [...before, ...later.slice(0, n + 1)]), event })),
  };
}

it("posts a rollback's steps before a backlog of 60 refused deploys told under its card, summed up once a minute", async () => {
  const { client, posts } = recordingClient();
  const notifier = new SlackNotifier(
    client,
    unitConfig(),
    quietLog,
    [],
    new SlackPacer(SLACK_LIMITS),
    async () => null,
  );
  // While the card awaits approval (the gate is shut), a CI job retries its deploy 60 times in a few seconds.
  const rollback = stepsAfterApproval('rb-1', '1.1', T0 + 3000);
  for (let i = 0; i < 60; i++) {
    const caller = i % 3 === 0 ? 'jenkins' : 'github-ci';
    const version = i < 40 ? 'v3' : 'v4';
    await notifier.progress(rollback.awaiting, refusedDeploy(T0 + i * 50, caller, version, `CI run #${800 + (i % 4)}`));
  }
  // Then it is approved, announced and rolled back in 0.3 s; meanwhile another rollback's card is told a step too.
  for (const { state, event } of rollback.steps) await notifier.progress(state, event);
  const elsewhere = stepsAfterApproval('rb-2', '2.1', T0 + 3000).steps[0];
  await notifier.progress(elsewhere.state, elsewhere.event);

  await jest.advanceTimersByTimeAsync(10_000);
  const own = posts.filter((p) => p.thread === '1.1');
  const steps = own.filter((p) => !p.text.startsWith(':no_entry:'));
  expect(steps.map((p) => p.text)).toEqual([
    expect.stringContaining('Approved by'),
    expect.stringContaining('Step 2 — Announce the rollback: done'),
    expect.stringContaining('Step 3'),
  ]);
  // Within the channel's pace (about one post a second): none of the backlog of refused deploys went before them.
  expect(steps.every((p) => p.at <= 6000)).toBe(true);
  expect(own.length - steps.length).toBeLessThanOrEqual(1);
  expect(posts.find((p) => p.thread === '2.1')?.at).toBeLessThanOrEqual(6000);

  await jest.advanceTimersByTimeAsync(3 * REFUSAL_SUMMARY_MS);
  const refusals = posts.filter((p) => p.thread === '1.1' && p.text.startsWith(':no_entry:'));
  // At most one line a minute, and every attempt is counted in them.
  expect(refusals.length).toBeGreaterThanOrEqual(1);
  expect(refusals.length).toBeLessThanOrEqual(2);
  for (let i = 1; i < refusals.length; i++)
    expect(refusals[i].at - refusals[i - 1].at).toBeGreaterThanOrEqual(REFUSAL_SUMMARY_MS);
  const counted = refusals
    .map((p) => /\*(\d+) deploys reported/.exec(p.text)?.[1] ?? (p.text.includes('reported a deploy of') ? '1' : '0'))
    .reduce((sum, n) => sum + Number(n), 0);
  expect(counted).toBe(60);
  // The summary says how many, from whom, which versions, and when the first and the last came.
  const summary = refusals.find((p) => /\*\d+ deploys reported/.test(p.text))?.text ?? '';
  expect(summary).toContain('github-ci');
  expect(summary).toContain('jenkins');
  expect(summary).toMatch(/`v3` ×\d+/);
  expect(summary).toContain('`v4` ×');
  expect(summary).toContain(`|${humanUtc(T0 + 59 * 50, { seconds: true })}>`);
});

it("never holds a rollback's own step line behind its refusal summary while the channel is busy", async () => {
  const { client, posts } = recordingClient();
  const notifier = new SlackNotifier(
    client,
    unitConfig(),
    quietLog,
    [],
    new SlackPacer(SLACK_LIMITS),
    async () => null,
  );
  const [started, confirmed, approved] = approvedEvents(iso(T0));
  // Another rollback in the channel keeps it busy with routine lines.
  const other = withCard('rb-other', '3.1', [started]);
  for (let i = 0; i < 8; i++) await notifier.progress(other, { type: 'ConfirmationStarted', at: iso(T0) });
  // This rollback hears of a refused click, then moves on.
  const running = withCard('rb-running', '4.1', [started, confirmed]);
  await notifier.progress(running, {
    type: 'ApprovalRefused',
    at: iso(T0),
    by: 'U0SOMEONE',
    action: 'approve',
    why: 'only incident commanders approve',
  });
  // Its summary is due at once (the first of the minute) and waits for a turn in the channel.
  await jest.advanceTimersByTimeAsync(0);
  await notifier.progress(withCard('rb-running', '4.1', [started, confirmed, approved]), approved);
  await jest.advanceTimersByTimeAsync(30_000);
  const own = posts.filter((p) => p.thread === '4.1').map((p) => p.text);
  expect(own).toHaveLength(2);
  expect(own[0]).toContain('Approved by');
  expect(own[1]).toContain('Turned away (1)');
});

it('sums up refused clicks of a minute in one line, saying when the first and the last came', async () => {
  const { client, posts } = recordingClient();
  const notifier = new SlackNotifier(
    client,
    unitConfig(),
    quietLog,
    [],
    new SlackPacer(SLACK_LIMITS),
    async () => null,
  );
  const [started, confirmed] = approvedEvents(iso(T0));
  const awaiting = withCard('rb-clicked', '6.1', [started, confirmed]);
  const click = (at: number): RollbackEvent => ({
    type: 'ApprovalRefused',
    at: iso(at),
    by: 'U0SOMEONE',
    action: 'approve',
    why: 'only incident commanders approve',
  });
  for (let s = 0; s < 6; s++) {
    await notifier.progress(awaiting, click(Date.now()));
    await jest.advanceTimersByTimeAsync(10_000);
  }
  await jest.advanceTimersByTimeAsync(REFUSAL_SUMMARY_MS);
  const lines = posts.filter((p) => p.thread === '6.1');
  expect(lines.map((p) => p.at)).toEqual([0, REFUSAL_SUMMARY_MS]);
  expect(lines[0].text).toContain('Turned away (1), each told why');
  expect(lines[1].text).toContain(
    `Turned away (5) between <!date^${(T0 + 10_000) / 1000}^{date_short_pretty} at {time_secs}|${humanUtc(T0 + 10_000, { seconds: true })}>`,
  );
  expect(lines[1].text).toContain(`^{time_secs}|${humanUtc(T0 + 50_000, { seconds: true })}>`);
  expect(lines[1].text).toContain('×5');
});
