/**
 * Hands-on changes noticed (issue 15, item 2), on the real swarm: the bot follows Docker's event stream, and a
 * `docker service update` made by hand is told under the card it concerns — while the card awaits approval (its
 * findings are out of date), and after a completed rollback while deploys are locked (loudly: @here, sent to the
 * channel). A burst of updates makes one message, not one per update; the bot's own Step 3 makes none.
 */
import type { Rollback } from '../../src/domain/rollback.machine';
import { ACTION } from '../../src/slack/ids';
import { type Harness, startHarness } from '../support/bot-harness';
import {
  BACKEND_IMAGE,
  createStack,
  removeServices,
  requireSwarm,
  updateImage,
  waitForVersion,
} from '../support/docker-env';
import { badDeploy, IC, request, type Stack, stackConfig, waitStatus } from '../support/scenario';

jest.setTimeout(180_000);

let stack: Stack;
let h: Harness;

beforeAll(async () => {
  await requireSwarm();
  stack = await createStack('handson', 'v2');
});
afterAll(() => removeServices(stack.backend, stack.frontend));
afterEach(() => h?.stop());

/** The hands-on lines under a card (the threaded messages that say production changed). */
const handsOn = (ts: string) =>
  h.slack
    .callsOf('chat.postMessage')
    .filter((c) => c.args.thread_ts === ts && /Production changed/.test(String(c.args.text)));

it('awaiting approval: a hand-made update is told under the card, and says Approve re-runs Step 1', async () => {
  h = await startHarness(stackConfig(stack));
  await badDeploy(stack);
  const r = await request(h, 'production hands on while awaiting');
  await waitStatus(h, r.rollback.id, 'awaiting_approval');

  await updateImage(stack.backend, `${BACKEND_IMAGE}:v3`);
  const [line] = await h.slack.waitFor(() => {
    const l = handsOn(r.cardTs);
    return l.length > 0 ? l : undefined;
  }, 'the hands-on line');
  const text = String(line.args.text);
  expect(text).toContain('*Production changed by hand* (not by the bot)');
  expect(text).toContain(`backend (\`${stack.backend}\`): \`v2\` → \`v3\``);
  expect(text).toContain('*Approve* runs Step 1 again first');
  expect(text).toContain('<@U0IC>');
  expect(String(line.args.reply_broadcast)).not.toBe('true');
  await h.click(ACTION.cancel, r.rollback.id, IC, r.cardTs);
  await waitStatus(h, r.rollback.id, 'cancelled');
});

it('after a completed rollback, a deploy past the locked gate is called out loudly; a burst makes one message', async () => {
  h = await startHarness(stackConfig(stack));
  await badDeploy(stack);
  const r = await request(h, 'production hands on after');
  await waitStatus(h, r.rollback.id, 'awaiting_approval');
  await h.click(ACTION.approve, r.rollback.id, IC, r.cardTs);
  await h.slack.waitFor(() => h.db.get(r.rollback.id)?.resolution, 'the resolution', 120_000);
  const done = h.db.get(r.rollback.id) as Rollback;
  // The bot's own Step 3 (v2 → v1) was not taken for a hands-on change.
  expect(handsOn(r.cardTs)).toHaveLength(0);

  // A pipeline ignores the gate: three updates in a row.
  for (const v of ['v2', 'v3', 'v2']) await updateImage(stack.backend, `${BACKEND_IMAGE}:${v}`);
  await waitForVersion(`http://127.0.0.1:${stack.backendPort}/health`, 'v2');
  const [line] = await h.slack.waitFor(() => {
    const l = handsOn(r.cardTs);
    return l.length > 0 ? l : undefined;
  }, 'the loud hands-on line');
  const text = String(line.args.text);
  expect(text.startsWith('<!here> :rotating_light: *Production changed while deploys are locked*')).toBe(true);
  expect(text).toContain('`v1` → `v2`');
  expect(String(line.args.reply_broadcast)).toBe('true');
  // Coalesced: a few seconds later there is still one message for the burst.
  await new Promise((res) => setTimeout(res, 5000));
  expect(handsOn(r.cardTs)).toHaveLength(1);
  expect(done.status).toBe('completed');
});

it('right after a deploy it watches closely: a bad deploy gets a rollback proposal within seconds', async () => {
  const fresh = await createStack('closewatch', 'v1');
  try {
    h = await startHarness(
      stackConfig(fresh, {
        errorRate: 'low',
        services: [{ name: 'backend', docker_service: fresh.backend, image: BACKEND_IMAGE }],
        environment: { watch: true, close_watch_interval_ms: 2000 },
      }),
    );
    // A deploy nobody tells the bot about: a version whose /health answers 404.
    const deployedAt = Date.now();
    await updateImage(fresh.backend, `${BACKEND_IMAGE}:broken`);
    const proposal = await h.slack.waitFor(
      () => h.db.list({ limit: 5 }).find((r) => r.requestedBy === 'rollback-bot' && r.card),
      'the proposal card',
      60_000,
    );
    const seconds = (Date.parse(proposal.requestedAt) - deployedAt) / 1000;
    // The deploy itself takes a few seconds on the swarm; then two failing probes 2 s apart.
    expect(seconds).toBeLessThan(30);
    await waitStatus(h, proposal.id, 'awaiting_approval');
    expect(h.db.get(proposal.id)?.target).toBe('v1');
    expect(proposal.reason).toContain('Health check failures');
    await h.click(ACTION.cancel, proposal.id, IC, proposal.card?.ts ?? '');
  } finally {
    await removeServices(fresh.backend, fresh.frontend);
  }
});
