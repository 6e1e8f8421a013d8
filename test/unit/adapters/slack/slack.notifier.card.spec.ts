/**
 * A card Slack posted although its answer came too late (the client gave up, the message exists) must not stay live
 * with Approve and Cancel while the requester is told "Nothing was started": the notifier finds it by its metadata
 * and marks it not started, also when it shows up only after a first look. Real WebClient, local fake Slack Web API.
 */
import { LogLevel, WebClient } from '@slack/web-api';
import { SlackNotifier } from '../../../../src/adapters/slack/slack.notifier';
import { SlackPacer } from '../../../../src/adapters/slack/slack.pacer';
import { UNPACED } from '../../../support/bot-harness';
import { FakeSlack } from '../../../support/fake-slack';
import { approvedEvents, draftRollback, quietLog, rollbackAfter, unitConfig } from '../../../support/fakes';
import { slackDate } from '../../../../src/slack/blocks/limits';

const AT = new Date().toISOString();
const CLIENT_TIMEOUT_MS = 300;

let slack: FakeSlack;
beforeEach(async () => {
  slack = new FakeSlack();
  await slack.start();
});
afterEach(async () => slack.stop());

function notifier(lookups: number[], retries = 0, opts: { slowCardMs?: number } = {}) {
  const client = new WebClient('xoxb-test-0000', {
    slackApiUrl: slack.apiUrl,
    timeout: CLIENT_TIMEOUT_MS,
    retryConfig: { retries, minTimeout: 50, maxTimeout: 50 },
    logLevel: LogLevel.ERROR,
  });
  return new SlackNotifier(client, unitConfig(), quietLog, [], new SlackPacer(UNPACED), async () => null, {
    cardLookupsMs: lookups,
    ...opts,
  });
}

const isCard = (a: Record<string, unknown>) => !a.thread_ts && Array.isArray(a.blocks);
/** The card's post, as Slack stored it (the bot never heard its ts). */
const postedCard = () => slack.callsOf('chat.postMessage').find((c) => isCard(c.args));
const buttonsOf = (blocks: unknown) => JSON.stringify(blocks ?? []).includes('"type":"button"');

it('marks a card Slack posted but answered too late for as not started, without buttons', async () => {
  slack.delayWhen('chat.postMessage', isCard, Number.POSITIVE_INFINITY);
  const n = notifier([0]);
  const r = draftRollback(AT, { id: 'rb-late-1' });
  await expect(n.postCard(r)).rejects.toThrow(/chat\.postMessage/);
  const card = postedCard();
  expect(buttonsOf(card?.args.blocks)).toBe(true);
  expect(card?.args.metadata).toEqual({ event_type: 'rollback_card', event_payload: { rollback_id: 'rb-late-1' } });
  const withdrawn = await slack.waitFor(
    () => slack.callsOf('chat.update').find((u) => u.args.ts === card?.args.ts),
    'the late card marked not started',
    5000,
  );
  expect(String(withdrawn.args.text)).toContain('Not started');
  expect(buttonsOf(withdrawn.args.blocks)).toBe(false);
  // Within Block Kit's limits (the fake refuses what Slack refuses).
  expect(slack.refused).toEqual([]);
  expect(slack.callsOf('conversations.history')[0].args).toMatchObject({
    channel: 'C0INCIDENT',
    include_all_metadata: 'true',
  });
  await n.drain(1000);
});

it('looks once more after a short delay: a card that shows up only after the first look is marked too', async () => {
  slack.delayWhen('chat.postMessage', isCard, Number.POSITIVE_INFINITY, 1, { storedAfterMs: CLIENT_TIMEOUT_MS + 400 });
  const n = notifier([0, 800]);
  const r = draftRollback(AT, { id: 'rb-late-2' });
  await expect(n.postCard(r)).rejects.toThrow();
  const ts = postedCard()?.args.ts;
  const marked = await slack.waitFor(
    () => slack.callsOf('chat.update').find((u) => u.args.ts === ts && String(u.args.text).includes('Not started')),
    'the card marked not started at the second look',
    5000,
  );
  // Bounded: two looks, then it stops; the first one did not see the card yet.
  await n.drain(2000);
  const looks = slack.callsOf('conversations.history');
  expect(looks).toHaveLength(2);
  expect(marked.at).toBeGreaterThanOrEqual(looks[1].at);
  expect(slack.callsOf('chat.update')).toHaveLength(1);
});

it('marks every copy when the client tried again after each timeout (each try posted a card)', async () => {
  slack.delayWhen('chat.postMessage', isCard, Number.POSITIVE_INFINITY, 3);
  const n = notifier([0], 2);
  await expect(n.postCard(draftRollback(AT, { id: 'rb-late-3' }))).rejects.toThrow();
  const cards = slack.callsOf('chat.postMessage').filter((c) => isCard(c.args));
  expect(cards).toHaveLength(3);
  await slack.waitFor(() => slack.callsOf('chat.update').length === 3, 'all three cards marked not started', 5000);
  expect(new Set(slack.callsOf('chat.update').map((u) => u.args.ts))).toEqual(new Set(cards.map((c) => c.args.ts)));
  await n.drain(1000);
});

it('marks the copy of a timed-out try as a duplicate pointing to the live card the retry posted', async () => {
  // The first try's answer never comes (Slack kept the card); the client tries again and that card is answered.
  slack.delayWhen('chat.postMessage', isCard, Number.POSITIVE_INFINITY, 1);
  const n = notifier([0, 300], 1, { slowCardMs: CLIENT_TIMEOUT_MS });
  const live = await n.postCard(draftRollback(AT, { id: 'rb-twice' }));
  const cards = slack.callsOf('chat.postMessage').filter((c) => isCard(c.args));
  expect(cards.map((c) => c.args.ts)).toEqual([expect.any(String), live.ts]);
  const copy = String(cards[0].args.ts);
  const marked = await slack.waitFor(
    () => slack.callsOf('chat.update').find((u) => u.args.ts === copy),
    'the first copy marked a duplicate',
    5000,
  );
  expect(String(marked.args.text)).toContain('Duplicate');
  expect(JSON.stringify(marked.args.blocks)).toContain(
    `<https://slack.com/archives/C0INCIDENT/p${live.ts.replace('.', '')}|the live card>`,
  );
  expect(buttonsOf(marked.args.blocks)).toBe(false);
  await n.drain(1000);
  await new Promise((r) => setTimeout(r, 400));
  // The live card is left alone; each copy is marked once although both looks found it.
  expect(slack.callsOf('chat.update').map((u) => u.args.ts)).toEqual([copy]);
  expect(slack.callsOf('conversations.history')).toHaveLength(2);
  expect(slack.refused).toEqual([]);
});

it('does not look for copies of a card posted at once', async () => {
  const n = notifier([0]);
  await n.postCard(draftRollback(AT, { id: 'rb-once' }));
  await new Promise((r) => setTimeout(r, 200));
  await n.drain(1000);
  expect(slack.callsOf('conversations.history')).toHaveLength(0);
  expect(slack.callsOf('chat.update')).toHaveLength(0);
});

it('does not look for a card Slack refused (it answered: nothing was posted)', async () => {
  slack.answerNext('chat.postMessage', { ok: false, error: 'channel_not_found' });
  const n = notifier([0]);
  await expect(n.postCard(draftRollback(AT, { id: 'rb-refused' }))).rejects.toThrow(/channel_not_found/);
  await n.drain(1000);
  expect(slack.callsOf('conversations.history')).toHaveLength(0);
  expect(slack.callsOf('chat.update')).toHaveLength(0);
});

it('finds an announcement by its metadata (the same lookup), only for its rollback and step', async () => {
  const n = notifier([]);
  const r = draftRollback(AT, { id: 'rb-announced' });
  const posted = await n.announce(r, '@channel ROLLBACK IN PROGRESS', 'announce');
  const since = new Date(Date.now() - 5000);
  expect(await n.findAnnouncement(r, 'announce', since)).toEqual(posted);
  expect(await n.findAnnouncement(r, 'complete', since)).toBeNull();
  expect(await n.findAnnouncement(draftRollback(AT, { id: 'rb-other' }), 'announce', since)).toBeNull();
});

it('redraws a completed card when production changed past its locked gate: under its header, what and when', async () => {
  const n = notifier([]);
  const card = await n.postCard(draftRollback(AT, { id: 'rb-changed' }));
  const changes = [{ service: 'backend', dockerService: 'demo-backend', from: 'v1', to: 'v2', how: 'update' as const }];
  const completed = rollbackAfter(draftRollback(AT, { id: 'rb-changed' }), [
    { type: 'CardPosted', at: AT, card },
    ...approvedEvents(AT),
    { type: 'RollbackAnnounced', at: AT, message: { channel: 'C0INCIDENT', ts: '1.1' } },
    { type: 'ServicesRolledBack', at: AT, results: [] },
    {
      type: 'RollbackVerified',
      at: AT,
      evidence: { health: { url: 'h', ok: true, attempts: 1, status: 200, version: 'v1' }, smokeTests: [] },
    },
    { type: 'ResolutionAnnounced', at: AT, message: { channel: 'C0INCIDENT', ts: '1.2' } },
  ]);
  await n.progress(completed, { type: 'ResolutionAnnounced', at: AT, message: { channel: 'C0INCIDENT', ts: '1.2' } });
  await n.drain(2000);
  const drawn = () => slack.callsOf('chat.update').filter((u) => u.args.ts === card.ts);
  expect(JSON.stringify(drawn().at(-1)?.args.blocks)).toContain('*Now running*');
  // What the hands-on watcher does: the change is kept on the rollback, then told with a note.
  const later = new Date().toISOString();
  const changed = rollbackAfter(completed, [{ type: 'HandsOnChange', at: later, changes, gated: true }]);
  await n.progress(changed, {
    type: 'Note',
    at: later,
    fact: { kind: 'hands_on_change', changes, during: 'completed', gated: true },
  });
  await n.drain(2000);
  const blocks = drawn().at(-1)?.args.blocks as Array<{ text?: { text?: string } }>;
  expect(blocks[1].text?.text).toContain(
    `*Production changed since this rollback, without the bot, while deploys were locked:*\n• ${slackDate(later)}: backend v1 → v2 (by an update)`,
  );
  expect(JSON.stringify(blocks)).not.toContain('*Now running*');
  // And the channel hears of it too (the thread line, sent to the channel).
  expect(
    slack.callsOf('chat.postMessage').some((c) => c.args.thread_ts === card.ts && c.args.reply_broadcast === 'true'),
  ).toBe(true);
  expect(slack.refused).toEqual([]);
});
