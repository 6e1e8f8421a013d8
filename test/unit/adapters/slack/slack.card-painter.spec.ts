/** The card painter: the minimal card when Slack refuses the blocks, and which cards go first. */
import type { WebClient } from '@slack/web-api';
import { SlackCardPainter, urgentCard } from '../../../../src/adapters/slack/slack.card-painter';
import { SlackPacer } from '../../../../src/adapters/slack/slack.pacer';
import { SlackWebApi } from '../../../../src/adapters/slack/slack.web-api';
import type { Rollback } from '../../../../src/domain/rollback';
import { UNPACED } from '../../../support/bot-harness';
import { approvedEvents, draftRollback, quietLog, rollbackAfter, unitConfig } from '../../../support/fakes';

const AT = '2026-12-01T10:00:00.000Z';
const invalidBlocks = () =>
  Object.assign(new Error('An API error occurred: invalid_blocks'), {
    code: 'slack_webapi_platform_error',
    data: { ok: false, error: 'invalid_blocks' },
  });

/** Slack refusing every message with blocks bigger than `maxBlocks` (the minimal card is small). */
function strictSlack(maxBlocks: number) {
  const sent: Array<{ method: string; blocks: number }> = [];
  const answer = (method: string) => async (args: { blocks?: unknown[] }) => {
    sent.push({ method, blocks: args.blocks?.length ?? 0 });
    if ((args.blocks?.length ?? 0) > maxBlocks) throw invalidBlocks();
    return { ok: true, channel: 'C0INCIDENT', ts: '1.1' };
  };
  const client = { chat: { postMessage: answer('post'), update: answer('update') } } as unknown as WebClient;
  const inFlight: Array<Promise<unknown>> = [];
  const painter = new SlackCardPainter(
    new SlackWebApi(client, quietLog),
    new SlackPacer(UNPACED),
    unitConfig(),
    quietLog,
    async () => null,
    (p) => inFlight.push(p),
    { cardLookupsMs: [] },
  );
  return { painter, sent };
}

it('posts and redraws the minimal card when Slack refuses the full one', async () => {
  const { painter, sent } = strictSlack(3);
  const draft = draftRollback(AT);
  expect(await painter.post(draft)).toEqual({ channel: 'C0INCIDENT', ts: '1.1' });
  expect(sent.map((s) => s.method)).toEqual(['post', 'post']);
  expect(sent[0].blocks).toBeGreaterThan(3);
  expect(sent[1].blocks).toBeLessThanOrEqual(3);

  sent.length = 0;
  const approved: Rollback = {
    ...rollbackAfter(draft, approvedEvents(AT)),
    card: { channel: 'C0INCIDENT', ts: '1.1' },
  };
  await painter.redraw(approved, quietLog);
  expect(sent.map((s) => s.method)).toEqual(['update', 'update']);
  expect(sent[1].blocks).toBeLessThanOrEqual(3);
});

it('throws what Slack said when it refuses even the minimal card', async () => {
  const { painter } = strictSlack(-1);
  await expect(painter.post(draftRollback(AT))).rejects.toThrow(/invalid_blocks/);
});

it('draws first a card about to show a final state or to ask for a click, once', () => {
  const draft = draftRollback(AT);
  const awaiting = rollbackAfter(draft, approvedEvents(AT).slice(0, 2));
  expect(awaiting.status).toBe('awaiting_approval');
  expect(urgentCard(awaiting)).toBe(true);
  expect(urgentCard(awaiting, 'awaiting_approval')).toBe(false);
  expect(urgentCard(draft)).toBe(false);
  expect(urgentCard({ ...draft, status: 'completed' }, 'executing')).toBe(true);
});
