/**
 * Cards across replicas: Slack has no compare-and-set on a message, so a replica that is about to draw an older
 * state than the one stored draws the stored one, and looks again after each draw; the card ends on the newest.
 */
import type { WebClient } from '@slack/web-api';
import { SlackNotifier } from '../../../../src/adapters/slack/slack.notifier';
import { SlackPacer } from '../../../../src/adapters/slack/slack.pacer';
import type { Rollback } from '../../../../src/domain/rollback';
import { UNPACED } from '../../../support/bot-harness';
import { approvedEvents, draftRollback, quietLog, rollbackAfter, unitConfig } from '../../../support/fakes';

const AT = '2026-12-01T10:00:00.000Z';
const card = { channel: 'C0INCIDENT', ts: '1.1' };

function notifierWith(stored: () => Rollback | null) {
  const updates: string[] = [];
  let onUpdate: () => void = () => undefined;
  const client = {
    chat: {
      postMessage: async () => ({ ok: true, channel: 'C0INCIDENT', ts: '1.2' }),
      update: async (args: { text: string }) => {
        updates.push(args.text);
        onUpdate();
        return { ok: true };
      },
    },
  } as unknown as WebClient;
  const notifier = new SlackNotifier(client, unitConfig(), quietLog, [], new SlackPacer(UNPACED), async () => stored());
  return { notifier, updates, afterUpdate: (f: () => void) => (onUpdate = f) };
}

/** A Web API client that records the text of each message it posts and each update it makes. */
function recordingClient() {
  const updates: string[] = [];
  const posts: string[] = [];
  const client = {
    chat: {
      postMessage: async (args: { text: string }) => {
        posts.push(args.text);
        return { ok: true, channel: 'C0INCIDENT', ts: `1.${posts.length}` };
      },
      update: async (args: { text: string }) => {
        updates.push(args.text);
        return { ok: true };
      },
    },
  } as unknown as WebClient;
  return { client, updates, posts };
}

const [started, confirmed, approved] = approvedEvents(AT);
const withCard = (events: Parameters<typeof rollbackAfter>[1], version: number): Rollback => ({
  ...rollbackAfter(draftRollback(AT), events),
  card,
  version,
});
const confirming = withCard([started], 2);
const awaiting = withCard([started, confirmed], 3);
const announcing = withCard([started, confirmed, approved], 4);

it('draws the stored state when it is newer than the one this replica was told of', async () => {
  const { notifier, updates } = notifierWith(() => awaiting);
  await notifier.progress(confirming, { type: 'ConfirmationStarted', at: AT });
  await notifier.drain(2000);
  expect(updates).toHaveLength(1);
  expect(updates[0]).toContain('Awaiting approval');
});

it('draws again when another replica moved the rollback on while it was drawing', async () => {
  let now: Rollback = confirming;
  const { notifier, updates, afterUpdate } = notifierWith(() => now);
  // While this replica's update of "confirming" is on its way, another replica records the approval.
  afterUpdate(() => (now = announcing));
  await notifier.progress(confirming, { type: 'ConfirmationStarted', at: AT });
  await notifier.drain(2000);
  expect(updates).toHaveLength(2);
  expect(updates[0]).toContain('Confirming the issue');
  expect(updates[1]).not.toContain('Confirming the issue');
  expect(updates[1]).not.toContain('Awaiting approval');
});

it('never draws an older state than the one it drew, whatever order the news comes in', async () => {
  const { notifier, updates } = notifierWith(() => null);
  await notifier.progress(awaiting, confirmed);
  await notifier.drain(2000);
  await notifier.progress(confirming, { type: 'ConfirmationStarted', at: AT });
  await notifier.drain(2000);
  expect(updates).toHaveLength(1);
  expect(updates[0]).toContain('Awaiting approval');
});

it('draws the newest state when its turn comes, not the one that asked for the turn', async () => {
  let now: Rollback = confirming;
  const { client, updates } = recordingClient();
  jest.useFakeTimers();
  // One update a minute and no burst left: the first update takes the only token, the next waits a minute.
  const pacer = new SlackPacer({ postsPerSecond: 1, postBurst: 4, updatesPerMinute: 1, updateBurst: 1 });
  const notifier = new SlackNotifier(client, unitConfig(), quietLog, [], pacer, async () => now);
  try {
    await notifier.progress(confirming, { type: 'ConfirmationStarted', at: AT });
    await jest.advanceTimersByTimeAsync(0);
    expect(updates).toHaveLength(1);
    // While the next turn is a minute away, the rollback moves twice: one update, with the newest state.
    now = awaiting;
    await notifier.progress(awaiting, confirmed);
    now = announcing;
    await notifier.progress(announcing, approved);
    await jest.advanceTimersByTimeAsync(61_000);
    expect(updates).toHaveLength(2);
    expect(updates[1]).not.toContain('Awaiting approval');
    expect(updates[1]).not.toContain('Confirming the issue');
  } finally {
    jest.useRealTimers();
  }
});

it('never holds up a card behind its checklist: the final card goes before a checklist update waiting its turn', async () => {
  jest.useFakeTimers({ now: 0 });
  const { client, updates } = recordingClient();
  // One update a second, a burst of 3 of which routine updates may spend 1: the bucket starts empty.
  const pacer = new SlackPacer({ postsPerSecond: 1, postBurst: 4, updatesPerMinute: 60, updateBurst: 3 });
  for (let i = 0; i < 3; i++) await pacer.update(true);
  const list = { channel: 'C0INCIDENT', ts: '1.5' };
  const moving: Rollback = { ...announcing, checklist: { message: list, ticks: [] } };
  let now: Rollback = moving;
  const notifier = new SlackNotifier(client, unitConfig(), quietLog, [], pacer, async () => now);
  try {
    await notifier.progress(moving, approved);
    await jest.advanceTimersByTimeAsync(2500);
    expect(updates).toHaveLength(1);
    // The rollback ends (its checklist changes too) while the checklist's update waits for a routine turn.
    const ended: Rollback = {
      ...moving,
      status: 'completed' as const,
      version: moving.version + 1,
      checklist: { message: list, ticks: [{ item: 'issue_confirmed', by: 'U0IC', at: AT }] },
    };
    now = ended;
    await notifier.progress(ended, { type: 'ConfirmationStarted', at: AT });
    await jest.advanceTimersByTimeAsync(10_000);
    const card = updates.findIndex((u) => u.includes('Completed'));
    const checklist = updates.findIndex((u) => u.toLowerCase().includes('checklist'));
    expect(card).toBeGreaterThan(0);
    expect(checklist).toBeGreaterThan(card);
  } finally {
    jest.useRealTimers();
  }
});

it("posts the checklist together with the card (Step 1 waits for both), even on a replica's share of a channel", async () => {
  jest.useFakeTimers({ now: 0 });
  const { client, posts } = recordingClient();
  // Two replicas: each keeps to half of a channel's posts (one every 2 s, a burst of 3 with 2 kept for urgent posts).
  const pacer = new SlackPacer(
    { postsPerSecond: 1, postBurst: 4, updatesPerMinute: 50, updateBurst: 12 },
    { replicas: 2 },
  );
  const notifier = new SlackNotifier(client, unitConfig(), quietLog, [], pacer, async () => null);
  try {
    let done = false;
    void (async () => {
      await notifier.postCard(draftRollback(AT));
      await notifier.postChecklist(confirming);
      done = true;
    })();
    await jest.advanceTimersByTimeAsync(0);
    expect(done).toBe(true);
    expect(posts).toHaveLength(2);
    expect(posts[1].toLowerCase()).toContain('checklist');
  } finally {
    jest.useRealTimers();
  }
});
