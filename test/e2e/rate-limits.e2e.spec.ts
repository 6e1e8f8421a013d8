/**
 * Several rollbacks at once against a fake Slack Web API that enforces Slack's rate limits (about 1 message per
 * second per channel; chat.update at Tier 3): the bot paces its posts and coalesces its card updates, so Slack
 * never answers 429, every rollback completes, and every card ends up showing its final state.
 */
import { configSchema } from '../../src/config/config.schema';
import { ACTION } from '../../src/slack/ids';
import { type Harness, startHarness } from '../support/bot-harness';
import {
  BACKEND_IMAGE,
  createService,
  freePort,
  removeServices,
  requireSwarm,
  uniqueName,
  updateImage,
  waitForVersion,
} from '../support/docker-env';
import { SLACK_LIMITS } from '../support/fake-slack';
import { criteria, IC, ONCALL } from '../support/scenario';

jest.setTimeout(240_000);

const ENVS = 4;
// Two environments share an incident channel: their posts share its per-channel allowance.
const channelOf = (i: number) => (i < 2 ? 'C0SHARED' : `C0CHAN${i}`);
const services: string[] = [];
const ports: number[] = [];
let h: Harness | undefined;

beforeAll(async () => {
  await requireSwarm();
  for (let i = 0; i < ENVS; i++) {
    services.push(uniqueName(`rate-${i}`));
    ports.push(await freePort());
  }
  await Promise.all(services.map((s, i) => createService(s, `${BACKEND_IMAGE}:v1`, ports[i])));
  await Promise.all(services.map((s) => updateImage(s, `${BACKEND_IMAGE}:v2`)));
  await Promise.all(ports.map((p) => waitForVersion(`http://127.0.0.1:${p}/health`, 'v2')));
});
afterAll(async () => {
  await h?.stop();
  await removeServices(...services);
});

it('rolls back several environments at once without a single 429, every card ending on its final state', async () => {
  const config = configSchema.parse({
    roles: { incident_commanders: { users: [IC] }, on_call: { users: [ONCALL] } },
    environments: Object.fromEntries(
      services.map((s, i) => [
        `env${i}`,
        {
          channel: channelOf(i),
          strategy: 'docker',
          health: { url: `http://127.0.0.1:${ports[i]}/health`, retries: 5, interval_ms: 300, timeout_ms: 2000 },
          services: [{ name: 'backend', docker_service: s, image: BACKEND_IMAGE }],
          docker: { convergence_timeout_ms: 90_000 },
          criteria: criteria('high'),
        },
      ]),
    ),
  });
  h = await startHarness(config, { slackLimits: SLACK_LIMITS });
  const harness = h;
  await Promise.all(services.map((_, i) => harness.command(`env${i} to v1 errors`, ONCALL, channelOf(i))));
  const rollbacks = await harness.slack.waitFor(
    () => {
      const rs = harness.db.list({ limit: 10 });
      return rs.length === ENVS && rs.every((r) => r.status === 'awaiting_approval' && r.card) ? rs : undefined;
    },
    'every rollback awaiting approval',
    60_000,
  );
  await Promise.all(rollbacks.map((r) => harness.click(ACTION.approve, r.id, IC, r.card?.ts ?? '', r.channel)));
  await harness.slack.waitFor(
    () => rollbacks.every((r) => harness.db.get(r.id)?.resolution),
    'every resolution announced',
    180_000,
  );

  // Every card's last update shows Completed, and every thread got its lines (in order).
  await harness.slack.waitFor(
    () =>
      rollbacks.every((r) =>
        JSON.stringify(harness.slack.lastCard(r.card?.ts ?? '')?.args.blocks ?? []).includes('Completed'),
      ),
    'every card drawn in its final state',
    60_000,
  );
  for (const r of rollbacks) {
    const thread = harness.slack.threadMessages(r.card?.ts ?? '').join('\n');
    const order = [
      'Step 1 — Confirm the issue: done',
      'Approved by',
      'Step 2 — Announce the rollback: done',
      'Step 3 — Execute the rollback (Docker Swarm): done',
      'Step 4 — Verify the rollback: done',
      'Step 5 — Announce the resolution: done',
    ];
    await harness.slack.waitFor(
      () =>
        harness.slack
          .threadMessages(r.card?.ts ?? '')
          .join('\n')
          .includes(order[5]),
      `the last line of ${r.id}'s thread`,
      60_000,
    );
    const full = harness.slack.threadMessages(r.card?.ts ?? '').join('\n');
    const at = order.map((o) => full.indexOf(o));
    expect(at.every((x) => x >= 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    expect(thread.length).toBeGreaterThan(0);
  }
  expect(harness.slack.rateLimited).toEqual([]);
});
