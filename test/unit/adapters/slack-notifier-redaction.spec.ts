/** Secrets are taken out before anything is cut to Slack's limits: a secret at a cut never leaks as a prefix. */
import type { WebClient } from '@slack/web-api';
import { SlackNotifier } from '../../../src/adapters/slack/slack.notifier';
import { configSchema } from '../../../src/config/config.schema';
import { newRollback, type Rollback } from '../../../src/domain/rollback.machine';
import type { Log } from '../../../src/ports';
import { UNPACED } from '../../support/bot-harness';
import { SlackPacer } from '../../../src/adapters/slack/slack.pacer';

const SECRET = 'sk-live-0123456789abcdefSECRET';
const log: Log = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => log,
};

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
  const config = configSchema.parse({
    roles: { incident_commanders: { users: ['U0IC'] } },
    environments: {
      production: {
        channel: 'C0INCIDENT',
        strategy: 'docker',
        health: { url: 'http://127.0.0.1:1/health' },
        services: [{ name: 'b', docker_service: 'b', image: 'r/b' }],
      },
    },
  });
  const notifier = new SlackNotifier(client, config, log, [SECRET], new SlackPacer(UNPACED));
  const base = newRollback({
    id: 'rb-cut',
    environment: 'production',
    channel: 'C0INCIDENT',
    requestedBy: 'U0ONCALL',
    at: new Date().toISOString(),
    reason: '',
    requestedTarget: null,
  });
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
