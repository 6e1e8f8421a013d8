/** Secrets are taken out before anything is cut to Slack's limits: a secret at a cut never leaks as a prefix. */
import type { WebClient } from '@slack/web-api';
import { SlackNotifier } from '../../../src/adapters/slack/slack.notifier';
import type { Rollback } from '../../../src/domain/rollback.machine';
import { UNPACED } from '../../support/bot-harness';
import { draftRollback, quietLog, unitConfig } from '../../support/fakes';
import { SlackPacer } from '../../../src/adapters/slack/slack.pacer';

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
