/** Secrets are taken out before anything is cut to Slack's limits: a secret at a cut never leaks as a prefix. */
import type { WebClient } from '@slack/web-api';
import { SlackNotifier } from '../../../../src/adapters/slack/slack.notifier';
import type { Rollback } from '../../../../src/domain/rollback';
import { UNPACED } from '../../../support/bot-harness';
import { draftRollback, quietLog, unitConfig } from '../../../support/fakes';
import { SlackPacer } from '../../../../src/adapters/slack/slack.pacer';

const SECRET = 'sk-live-0123456789abcdefSECRET';

it('redacts a secret that straddles the section limit of the card', async () => {
  const sent: unknown[] = [];
  const client = {
    chat: {
      postMessage: async (args: unknown) => {
        sent.push(args);
        return { ok: true, channel: 'C0INCIDENT', ts: '1.1' };
      },
      update: async (args: unknown) => {
        sent.push(args);
        return { ok: true };
      },
    },
  } as unknown as WebClient;
  const config = unitConfig();
  const notifier = new SlackNotifier(client, config, quietLog, [SECRET], new SlackPacer(UNPACED));
  const base = draftRollback(new Date().toISOString(), { id: 'rb-cut' });
  // The failure section is "…Failed at Step 3…: <reason>\n…": the secret starts just before the 3000-character cut.
  const r: Rollback = {
    ...base,
    status: 'failed',
    failure: { step: 'execute', reason: `${'x'.repeat(2920)}${SECRET}` },
  };
  await notifier.postCard(r);
  const json = JSON.stringify(sent);
  expect(json).not.toContain(SECRET.slice(0, 8));
});

describe('only what is sent is redacted', () => {
  const sent: Array<Record<string, unknown>> = [];
  const client = {
    chat: {
      postMessage: async (args: Record<string, unknown>) => {
        sent.push(args);
        return { ok: true, channel: 'C0INCIDENT', ts: '1.1' };
      },
    },
  } as unknown as WebClient;
  beforeEach(() => (sent.length = 0));

  it('renders the rollback as it is: a secret equal to a word the renderer reads (its strategy) breaks nothing', async () => {
    const notifier = new SlackNotifier(client, unitConfig(), quietLog, ['docker', SECRET], new SlackPacer(UNPACED));
    const r: Rollback = { ...draftRollback(new Date().toISOString(), { id: 'rb-words' }), reason: `key ${SECRET}` };
    await notifier.postCard(r);
    const json = JSON.stringify(sent);
    expect(json).toContain('*Reason:* key [redacted]');
    expect(json).not.toContain(SECRET);
    expect(r.strategy).toBe('docker');
  });

  it('lets an error with no Slack cause (a renderer failing) come out as itself', async () => {
    const notifier = new SlackNotifier(client, unitConfig(), quietLog, [], new SlackPacer(UNPACED));
    const r = {
      ...draftRollback(new Date().toISOString(), { id: 'rb-bug' }),
      strategy: 'nonexistent',
    } as unknown as Rollback;
    const failure = notifier.postCard(r);
    await expect(failure).rejects.toThrow(TypeError);
    await expect(failure).rejects.not.toThrow(/reading 'data'/);
    expect(sent).toEqual([]);
  });
});

it("keeps a redacted text within the Slack limit its builder fitted it to ('[redacted]' is longer than the secret)", async () => {
  const sent: Array<{ blocks: Array<{ text?: { text: string } }> }> = [];
  const client = {
    chat: {
      postMessage: async (args: (typeof sent)[number]) => {
        sent.push(args);
        return { ok: true, channel: 'C0INCIDENT', ts: '1.1' };
      },
    },
  } as unknown as WebClient;
  const short = 'k3y-42';
  const notifier = new SlackNotifier(client, unitConfig(), quietLog, [short], new SlackPacer(UNPACED));
  const r: Rollback = {
    ...draftRollback(new Date().toISOString(), { id: 'rb-long' }),
    reason: `${short} `.repeat(480),
  };
  await notifier.postCard(r);
  const texts = sent[0].blocks.flatMap((b) => (b.text ? [b.text.text] : []));
  const reason = texts.find((t) => t.includes('*Reason:*')) as string;
  expect(reason).toContain('[redacted] [redacted]');
  expect(reason).not.toContain(short);
  expect(Math.max(...texts.map((t) => t.length))).toBeLessThanOrEqual(3000);
});
