/**
 * Secrets never leave the process: the Slack tokens, the signing secret, and any secret the config refers to with
 * ${VAR} stay out of the logs and out of every message the bot sends, even when they are part of what goes wrong.
 */
import { parseConfig, secretsReferenced } from '../../src/config/load';
import { redactSecrets } from '../../src/domain/redact';
import { ACTION } from '../../src/slack/ids';
import { BOT_TOKEN, type Harness, SIGNING_SECRET, startHarness } from '../support/bot-harness';
import { BACKEND_IMAGE, createStack, FRONTEND_IMAGE, removeServices, requireSwarm } from '../support/docker-env';
import { badDeploy, CHANNEL, IC, request, type Stack, waitStatus } from '../support/scenario';

jest.setTimeout(120_000);

const HEALTH_KEY = 'hk-5f1d0c9e7a3b2d41';

const harnessAck = (h: Harness, id: string) =>
  h.slack.waitFor(() => h.db.get(id)?.acknowledgements.length === 1, 'the acknowledgement');

describe('secrets', () => {
  it('finds the secret-looking variables a config refers to', () => {
    const text = 'a: ${HEALTH_KEY}\nb: ${PAGERDUTY_ROUTING_KEY}\nc: ${GITHUB_TOKEN}\nd: ${HEALTH_HOST}\n';
    const env = {
      HEALTH_KEY: 'k1-abcdef',
      PAGERDUTY_ROUTING_KEY: 'r1-abcdef',
      GITHUB_TOKEN: 'ghp_abcdef',
      HEALTH_HOST: 'api.example.com',
    };
    expect(secretsReferenced(text, env).sort()).toEqual(['ghp_abcdef', 'k1-abcdef', 'r1-abcdef']);
  });

  it('redacts known secrets and anything shaped like a Slack token', () => {
    expect(redactSecrets('token xoxb-123-456-abcdef and hk-5f1d0c9e7a3b2d41 here', [HEALTH_KEY])).toBe(
      'token [redacted] and [redacted] here',
    );
  });

  describe('through a failing rollback', () => {
    let stack: Stack;
    let h: Harness;

    beforeAll(async () => {
      await requireSwarm();
      stack = await createStack('secrets', 'v2');
    });
    afterAll(async () => {
      await h?.stop();
      await removeServices(stack.backend, stack.frontend);
    });

    it('keeps a config secret that is part of the failing URL out of logs, the card and the thread', async () => {
      await badDeploy(stack);
      // The health URL carries a key; the endpoint is closed, so verification fails and reports the URL.
      const text = `
roles:
  incident_commanders: { users: [${IC}] }
environments:
  production:
    channel: ${CHANNEL}
    strategy: docker
    health: { url: "http://127.0.0.1:1/health?key=\${HEALTH_KEY}", retries: 1, interval_ms: 0, timeout_ms: 500 }
    services:
      - { name: backend, docker_service: ${stack.backend}, image: ${BACKEND_IMAGE} }
      - { name: frontend, docker_service: ${stack.frontend}, image: ${FRONTEND_IMAGE} }
`;
      const env = { HEALTH_KEY };
      const config = parseConfig(text, 'secrets.yml', env);
      h = await startHarness(config, { secrets: secretsReferenced(text, env) });
      const r = await request(h, 'production secrets');
      await waitStatus(h, r.rollback.id, 'awaiting_approval');
      // No decision criterion is configured here, so "Roll back anyway" comes first.
      await h.click(ACTION.ackNoCriterion, r.rollback.id, IC, r.cardTs);
      await harnessAck(h, r.rollback.id);
      await h.click(ACTION.approve, r.rollback.id, IC, r.cardTs);
      await waitStatus(h, r.rollback.id, 'failed');
      const harness = h;
      await harness.slack.waitFor(
        () => harness.slack.threadMessages(r.cardTs).some((t) => t.includes('Verify the rollback failed')),
        'the failure in the thread',
      );

      // The failure names the URL, redacted.
      expect(h.slack.threadMessages(r.cardTs).join('\n')).toContain('http://127.0.0.1:1/health?key=[redacted]');
      const everythingSent = JSON.stringify(h.slack.calls) + JSON.stringify(h.slack.responses);
      expect(everythingSent).not.toContain(HEALTH_KEY);
      const logs = h.logLines.join('');
      expect(logs).toContain('rollback moved');
      for (const secret of [HEALTH_KEY, BOT_TOKEN, SIGNING_SECRET]) expect(logs).not.toContain(secret);
    });
  });
});
