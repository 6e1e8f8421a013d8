/** The thread writer: lines under a card in order, a failed one never stops the next, refusals summed up. */
import type { WebClient } from '@slack/web-api';
import { SlackPacer } from '../../../../src/adapters/slack/slack.pacer';
import {
  isRefusal,
  REFUSAL_SUMMARY_MS,
  type RefusedDeploy,
  SlackThreadWriter,
} from '../../../../src/adapters/slack/slack.thread-writer';
import { SlackWebApi } from '../../../../src/adapters/slack/slack.web-api';
import type { Rollback } from '../../../../src/domain/rollback';
import { UNPACED } from '../../../support/bot-harness';
import { draftRollback, quietLog } from '../../../support/fakes';

const AT = '2026-12-01T10:00:00.000Z';
const rollback: Rollback = { ...draftRollback(AT), card: { channel: 'C0INCIDENT', ts: '1.1' } };
const refusedDeploy = (version: string): RefusedDeploy => ({
  type: 'Note',
  at: AT,
  fact: { kind: 'deploy_refused', version, caller: 'ci', actor: 'CI run #1', url: null },
});

function writer(postMessage: (text: string) => Promise<void> = async () => undefined) {
  const texts: string[] = [];
  const client = {
    chat: {
      postMessage: async (args: { text: string; thread_ts: string }) => {
        await postMessage(args.text);
        texts.push(`${args.thread_ts} ${args.text}`);
        return { ok: true, channel: 'C0INCIDENT', ts: '9.9' };
      },
    },
  } as unknown as WebClient;
  const inFlight: Array<Promise<unknown>> = [];
  const w = new SlackThreadWriter(new SlackWebApi(client, quietLog), new SlackPacer(UNPACED), quietLog, (p) =>
    inFlight.push(p),
  );
  const settled = async () => {
    while (inFlight.length > 0) await Promise.allSettled(inFlight.splice(0));
  };
  return { w, texts, settled };
}

it('posts the lines of one card in order, even when an earlier one is slow or fails', async () => {
  const { w, texts, settled } = writer(async (text) => {
    if (text === 'first') await new Promise((r) => setTimeout(r, 50));
    if (text === 'second') throw new Error('Slack is down');
  });
  for (const line of ['first', 'second', 'third']) w.line(rollback, line, quietLog);
  await settled();
  expect(texts).toEqual(['1.1 first', '1.1 third']);
});

it('tells the first refusal at once and sums up the rest, at most once a minute', async () => {
  jest.useFakeTimers({ now: Date.parse(AT) });
  try {
    const { w, texts, settled } = writer();
    for (const v of ['v7', 'v8', 'v8', 'v9']) w.refused(rollback, refusedDeploy(v));
    await jest.advanceTimersByTimeAsync(0);
    await settled();
    expect(texts).toHaveLength(1);
    expect(texts[0]).toContain('v7');
    await jest.advanceTimersByTimeAsync(REFUSAL_SUMMARY_MS);
    await settled();
    expect(texts).toHaveLength(2);
    expect(texts[1]).toContain('*3 deploys reported while deploys are locked*');
    expect(texts[1]).toContain('`v8` ×2, `v9` ×1');
    // A stop sums up what is still waiting for its minute.
    w.refused(rollback, refusedDeploy('v10'));
    w.flushAll();
    await jest.advanceTimersByTimeAsync(0);
    await settled();
    expect(texts).toHaveLength(3);
  } finally {
    jest.useRealTimers();
  }
});

it('knows a refusal from progress', () => {
  expect(isRefusal(refusedDeploy('v1'))).toBe(true);
  expect(isRefusal({ type: 'ApprovalRefused', at: AT, by: 'U0X', reason: 'not a commander' } as never)).toBe(true);
  expect(isRefusal({ type: 'ConfirmationStarted', at: AT })).toBe(false);
  expect(isRefusal({ type: 'Note', at: AT, fact: { kind: 'on_call_paged' } })).toBe(false);
});
