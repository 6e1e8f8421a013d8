/**
 * Hands-on changes noticed (issue 15, items 2 and 5), on the real swarm: the bot follows Docker's event stream, and a
 * `docker service update` made by hand is told under the card it concerns — while the card awaits approval (Step 1
 * runs again, and the card says production changed), during Step 3 or 4 (interference: the rollback is interrupted with
 * the evidence, and the bot stops), and after a completed rollback while deploys are locked (loudly: @here, sent to
 * the channel). A flood of 100 updates makes a message or two, not one per update; the bot's own Step 3 makes none.
 */
import { HttpHealthProbe } from '../../src/adapters/http/http.health-probe';
import type { Rollback } from '../../src/domain/rollback';
import type { HealthProbe } from '../../src/ports';
import { ACTION } from '../../src/slack/ids';
import { type Harness, startHarness } from '../support/bot-harness';
import {
  BACKEND_IMAGE,
  createStack,
  docker,
  runningImage,
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

/**
 * `docker service update --detach --image …` as a person types it, again when Swarm answers "update out of sequence"
 * (its own progress on the previous update moved the service's version between the CLI's read and its write).
 */
async function handUpdate(service: string, image: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await docker('service', 'update', '--detach', '--quiet', '--image', image, service);
      return;
    } catch (err) {
      if (attempt >= 5 || !/update out of sequence/.test(String(err))) throw err;
    }
  }
}

/** The hands-on lines under a card (the threaded messages that say production changed). */
const handsOn = (ts: string) =>
  h.slack
    .callsOf('chat.postMessage')
    .filter((c) => c.args.thread_ts === ts && /Production changed/.test(String(c.args.text)));

it('awaiting approval: a hand-made update sends the rollback back to Step 1, which finds what runs now; the card says why', async () => {
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
  expect(text).toContain('*Production changed by hand* while this card awaited approval (not by the bot)');
  expect(text).toContain(`backend (\`${stack.backend}\`): \`v2\` → \`v3\` (by an update)`);
  expect(text).toContain('Step 1 runs again');
  expect(text).toContain('<@U0IC>');
  expect(String(line.args.reply_broadcast)).not.toBe('true');
  // Step 1 ran again on what runs now: only the backend moved, so its previous version (v2, the bad one) is not the
  // frontend's (v1) — the bot does not guess, it asks for a version. The card says why Step 1 ran again.
  await waitStatus(h, r.rollback.id, 'failed');
  const again = h.db.get(r.rollback.id) as Rollback;
  expect(again.failure?.reason).toContain(
    'the services disagree on their previous version (backend: v2, frontend: v1)',
  );
  expect(again.findings?.services.find((x) => x.service === 'backend')?.version).toBe('v3');
  const card = JSON.stringify(
    h.slack
      .callsOf('chat.update')
      .filter((c) => c.args.ts === r.cardTs)
      .at(-1)?.args.blocks,
  );
  expect(card).toContain('*Production changed*');
  expect(card).toContain(
    'by hand, not by the bot): backend v2 → v3 (by an update). Step 1 ran again on what runs now.',
  );
});

it('during Step 3: a hand-made update interrupts the rollback with the evidence, and the bot stops waiting on Swarm', async () => {
  h = await startHarness(stackConfig(stack), { leaseMs: 3000 });
  await badDeploy(stack);
  const r = await request(h, 'production hands on during step 3');
  await waitStatus(h, r.rollback.id, 'awaiting_approval');
  await h.click(ACTION.approve, r.rollback.id, IC, r.cardTs);
  // The bot's own update is in the spec (Step 3 waits for Swarm to converge): someone deploys v3 over it.
  for (let i = 0; !(await runningImage(stack.backend)).includes(':v1'); i++) {
    if (i > 600) throw new Error("timed out waiting for the bot's Step 3 update");
    await new Promise((res) => setTimeout(res, 50));
  }
  await handUpdate(stack.backend, `${BACKEND_IMAGE}:v3`);

  await waitStatus(h, r.rollback.id, 'interrupted');
  const done = h.db.get(r.rollback.id) as Rollback;
  expect(done.failure?.step).toBe('execute');
  expect(done.failure?.reason).toMatch(
    /^production changed during Step 3 without the bot: backend v\d → v3 \(by an update\)/,
  );
  const [line] = h.slack
    .callsOf('chat.postMessage')
    .filter((c) => c.args.thread_ts === r.cardTs && /Interrupted/i.test(String(c.args.text)));
  expect(String(line?.args.text)).toContain(`backend (\`${stack.backend}\`): \`v3\``);
  expect(String(line?.args.text)).toContain('<@U0IC>');
  // Its wait on Swarm stopped at the next lease renewal, without moving the rollback on or touching the service.
  await h.slack.waitFor(
    () =>
      h.logLines.some((l) => l.includes('the rollback ended elsewhere: stopping its running step')) ? true : undefined,
    'the running step to stop',
  );
  await new Promise((res) => setTimeout(res, 2000));
  expect(h.db.get(r.rollback.id)?.status).toBe('interrupted');
  expect(await runningImage(stack.backend)).toContain(':v3');
  const timeline = h.db.timeline(r.rollback.id).map((e) => e.type);
  expect(timeline).toContain('HandsOnChange');
  expect(timeline).not.toContain('ServicesRolledBack');
  expect(timeline).not.toContain('ExecutionFailed');
});

it('during Step 4: a hand-made update interrupts the rollback before it can call the old health good', async () => {
  // The bot's own probe, held at Step 4 until the change is made (Step 4 is otherwise over in a moment).
  const real = new HttpHealthProbe();
  let hold: Promise<void> | null = null;
  let release = () => undefined as void;
  const probe: HealthProbe = {
    probe: async (url, o) => {
      if (hold) await hold;
      return real.probe(url, o);
    },
    smokeTest: (t, ms) => real.smokeTest(t, ms),
  };
  h = await startHarness(stackConfig(stack), { probe, leaseMs: 3000 });
  await badDeploy(stack);
  const r = await request(h, 'production hands on during step 4');
  await waitStatus(h, r.rollback.id, 'awaiting_approval');
  hold = new Promise<void>((res) => (release = res));
  await h.click(ACTION.approve, r.rollback.id, IC, r.cardTs);
  await waitStatus(h, r.rollback.id, 'verifying');
  await updateImage(stack.backend, `${BACKEND_IMAGE}:v3`);
  await waitStatus(h, r.rollback.id, 'interrupted');
  release();
  const done = h.db.get(r.rollback.id) as Rollback;
  expect(done.failure?.step).toBe('verify');
  expect(done.failure?.reason).toMatch(
    /^production changed during Step 4 without the bot: backend v\d → v3 \(by an update\)/,
  );
  // Step 4's probe, let go, does not turn the interruption into a verification.
  await new Promise((res) => setTimeout(res, 3000));
  expect(h.db.get(r.rollback.id)?.status).toBe('interrupted');
  expect(h.db.timeline(r.rollback.id).map((e) => e.type)).not.toContain('RollbackVerified');
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

  // A flood: 100 updates within a minute. At most one message per 30 s sums them up, never one per update.
  const started = Date.now();
  for (let i = 0; i < 100; i++) await handUpdate(stack.backend, `${BACKEND_IMAGE}:v${i % 2 ? 3 : 2}`);
  expect(Date.now() - started).toBeLessThan(60_000);
  // Past the quiet interval after the flood's last event, and a settle: every message it will make is out.
  await new Promise((res) => setTimeout(res, 35_000));
  // The flood ended on v3: what runs differs from what was told, so one message sums it up (two if the flood ran
  // past the quiet interval).
  const lines = handsOn(r.cardTs);
  expect(lines.length).toBeGreaterThanOrEqual(2);
  expect(lines.length).toBeLessThanOrEqual(3);
  expect(String(lines.at(-1)?.args.text)).toContain('→ `v3`');
  expect(h.db.timeline(r.rollback.id).filter((e) => e.type === 'HandsOnChange').length).toBe(lines.length);
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
