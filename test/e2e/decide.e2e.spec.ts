/**
 * Deciding and escalating, end to end: the decision criteria on the card (Prometheus stand-in), the explicit
 * "Roll back anyway" when no criterion is met, the migration guard's second confirmation (image label on the real
 * swarm), time budgets that warn and page (a PagerDuty stand-in), and the platform team told of tooling errors.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Rollback } from '../../src/domain/rollback';
import { ACTION } from '../../src/slack/ids';
import { type Harness, responseFor, startHarness } from '../support/bot-harness';
import {
  BACKEND_IMAGE,
  createStack,
  FRONTEND_IMAGE,
  removeServices,
  requireSwarm,
  updateImage,
  waitForVersion,
} from '../support/docker-env';
import {
  badDeploy,
  CHANNEL,
  cardText,
  IC,
  request,
  SOMEONE,
  type Stack,
  stackConfig,
  waitStatus,
  LAST_LINE,
  threadWith,
} from '../support/scenario';

jest.setTimeout(180_000);

const DBA = 'U0DBA';
const PLATFORM = 'U0PLATFORM';
const PLATFORM_CHANNEL = 'C0PLATFORM';

let stack: Stack;
let h: Harness | undefined;
let pagerduty: Server;
let pagerdutyUrl: string;
const pages: Array<Record<string, unknown>> = [];

beforeAll(async () => {
  await requireSwarm();
  stack = await createStack('decide', 'v2');
  // PagerDuty's Events API v2, as far as the bot uses it: 202 and the dedup key back.
  pagerduty = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const event = JSON.parse(body) as Record<string, unknown>;
      pages.push(event);
      res
        .writeHead(202, { 'Content-Type': 'application/json' })
        .end(JSON.stringify({ status: 'success', message: 'Event processed', dedup_key: event.dedup_key }));
    });
  });
  await new Promise<void>((r) => pagerduty.listen(0, '127.0.0.1', r));
  pagerdutyUrl = `http://127.0.0.1:${(pagerduty.address() as AddressInfo).port}/v2/enqueue`;
});
afterAll(async () => {
  pagerduty.closeAllConnections();
  await new Promise((r) => pagerduty.close(r));
  await removeServices(stack.backend, stack.frontend);
});
afterEach(async () => {
  await h?.stop();
  h = undefined;
  pages.length = 0;
});

function config(opts: Parameters<typeof stackConfig>[1] = {}) {
  const c = stackConfig(stack, opts);
  c.roles.dba = { users: [DBA], usergroups: [] };
  c.roles.platform_team = { users: [PLATFORM], usergroups: [], channel: PLATFORM_CHANNEL };
  c.pagerduty = { routing_key: 'R0UTINGKEY0000000000000000000000', events_url: pagerdutyUrl, timeout_ms: 2000 };
  return c;
}

const thread = (ts: string) => h?.slack.threadMessages(ts).join('\n') ?? '';
const stored = (id: string) => h?.db.get(id) as Rollback;

it('shows the criteria with their numbers; an immediate verdict needs no extra confirmation', async () => {
  await badDeploy(stack);
  h = await startHarness(config());
  const r = await request(h, 'production error rate up');
  await waitStatus(h, r.rollback.id, 'awaiting_approval');
  expect(stored(r.rollback.id).findings?.criteria?.overall).toBe('immediate');
  const harness = h;
  await harness.slack.waitFor(
    () => cardText(harness, r.cardTs).includes('Immediate rollback'),
    'the criteria on the card',
  );
  const card = cardText(h, r.cardTs);
  // `>` is one of Slack's control characters: written &gt;, shown as >.
  expect(card).toContain(':red_circle: Error rate · &gt; 5.0 % of requests · observed 12 %');
  expect(card).toContain(':large_green_circle: p99 latency · &gt; 2× baseline (200 ms) · observed 250 ms (1.3×)');
  expect(card).toContain(':white_check_mark: Docker engine: Docker 20.10');
  expect(card).not.toContain(ACTION.ackNoCriterion);
  // The request notifies the on-call engineer and the incident commanders.
  await harness.slack.waitFor(
    () => thread(r.cardTs).includes('<@U0ONCALL> <@U0IC> <!subteam^S0ICS> an incident commander'),
    'the mentions in the thread',
  );
  await h.click(ACTION.cancel, r.rollback.id, IC, r.cardTs);
  await waitStatus(h, r.rollback.id, 'cancelled');
});

it('no criterion met: Approve needs an explicit "Roll back anyway" from an incident commander first', async () => {
  await badDeploy(stack);
  h = await startHarness(config({ errorRate: 'low' }));
  const r = await request(h, 'production looks odd');
  await waitStatus(h, r.rollback.id, 'awaiting_approval');
  const harness = h;
  await harness.slack.waitFor(
    () =>
      cardText(harness, r.cardTs).includes('No criterion met') &&
      cardText(harness, r.cardTs).includes(ACTION.ackNoCriterion),
    'the card',
  );

  const early = await h.click(ACTION.approve, r.rollback.id, IC, r.cardTs);
  expect(String((await responseFor(h.slack, early.responseUrl)).text)).toContain(
    'Not yet: press *Roll back anyway* on the card first',
  );
  expect(stored(r.rollback.id).status).toBe('awaiting_approval');

  const stranger = await h.click(ACTION.ackNoCriterion, r.rollback.id, SOMEONE, r.cardTs);
  expect(String((await responseFor(h.slack, stranger.responseUrl)).text)).toContain(
    'Only an incident commander can acknowledge this',
  );

  await h.click(ACTION.ackNoCriterion, r.rollback.id, IC, r.cardTs);
  await harness.slack.waitFor(() => stored(r.rollback.id).acknowledgements.length === 1, 'the acknowledgement');
  expect(h.db.timeline(r.rollback.id).find((e) => e.type === 'RiskAcknowledged')).toMatchObject({ actor: IC });
  await h.click(ACTION.approve, r.rollback.id, IC, r.cardTs);
  await waitStatus(h, r.rollback.id, 'completed');
});

it('migrations in the bad deployment: a prominent warning, the DBA mentioned, and a second confirmation', async () => {
  await Promise.all([
    updateImage(stack.backend, `${BACKEND_IMAGE}:v1`),
    updateImage(stack.frontend, `${FRONTEND_IMAGE}:v1`),
  ]);
  await Promise.all([
    updateImage(stack.backend, `${BACKEND_IMAGE}:migrations`),
    updateImage(stack.frontend, `${FRONTEND_IMAGE}:migrations`),
  ]);
  await waitForVersion(`http://127.0.0.1:${stack.backendPort}/health`, 'migrations');
  h = await startHarness(config({ environment: { migrations: { image_label: 'org.rollback-bot.migrations' } } }));
  const r = await request(h, 'production after the schema change');
  await waitStatus(h, r.rollback.id, 'awaiting_approval');
  expect(stored(r.rollback.id).findings?.migrations).toMatchObject({
    verdict: 'included',
    source: 'image label org.rollback-bot.migrations=true on backend, frontend',
  });
  const harness = h;
  await harness.slack.waitFor(
    () => cardText(harness, r.cardTs).includes('The bad deployment includes database migrations'),
    'the warning on the card',
  );
  expect(cardText(h, r.cardTs)).toContain('*Do not run `alembic downgrade` in production*');
  await harness.slack.waitFor(() => thread(r.cardTs).includes(`<@${DBA}>`), 'the DBA mentioned in the thread');

  const early = await h.click(ACTION.approve, r.rollback.id, IC, r.cardTs);
  expect(String((await responseFor(h.slack, early.responseUrl)).text)).toContain(
    'press *I understand: migrations are forward-only*',
  );
  await h.click(ACTION.ackMigrations, r.rollback.id, IC, r.cardTs);
  await harness.slack.waitFor(
    () => stored(r.rollback.id).acknowledgements.some((a) => a.risk === 'migrations'),
    'the acknowledgement',
  );
  await h.click(ACTION.approve, r.rollback.id, IC, r.cardTs);
  await waitStatus(h, r.rollback.id, 'completed');
  expect(h.db.timeline(r.rollback.id).map((e) => e.type)).toContain('RiskAcknowledged');
});

it('time budgets: an overrun warns the incident commanders; twice the budget of Step 3 pages on-call, resolved on completion', async () => {
  await badDeploy(stack);
  // Step 3 takes a few seconds on the test swarm; a 1 s budget is overrun, and then twice.
  h = await startHarness(config({ environment: { eta: undefined, budgets: { execute_ms: 1000 } } }));
  const r = await request(h, 'production slow rollback');
  await waitStatus(h, r.rollback.id, 'awaiting_approval');
  await h.click(ACTION.approve, r.rollback.id, IC, r.cardTs);
  await waitStatus(h, r.rollback.id, 'completed');
  const harness = h;
  await harness.slack.waitFor(() => pages.some((p) => p.event_action === 'resolve'), 'the PagerDuty resolve');

  const announcement = h.slack
    .channelMessages(CHANNEL)
    .map((c) => String(c.args.text))
    .find((t) => t.includes('ROLLBACK IN PROGRESS'));
  expect(announcement).toContain('ETA: 5 minutes');
  const said = await threadWith(h, r.cardTs, LAST_LINE);
  expect(said).toContain(':alarm_clock: *Step 3 — Execute the rollback (Docker Swarm)* is over its budget of 1 s');
  expect(said).toContain("is over twice its budget of 1 s (the runbook's time limit). On-call is paged.");
  expect(pages.map((p) => [p.event_action, p.dedup_key])).toEqual([
    ['trigger', `rollback-${r.rollback.id}`],
    ['resolve', `rollback-${r.rollback.id}`],
  ]);
  expect(pages[0]).toMatchObject({
    routing_key: 'R0UTINGKEY0000000000000000000000',
    payload: { severity: 'critical', source: 'rollback-bot/production' },
  });
  expect(stored(r.rollback.id).overruns).toEqual(['execute:1', 'execute:2']);
});

it('a tooling error tells the platform team in its channel', async () => {
  h = await startHarness(config());
  // A tag whose layers the registry lost: the registry's trouble, not the requester's typo.
  const r = await request(h, 'production to corrupt registry trouble');
  await waitStatus(h, r.rollback.id, 'failed');
  const harness = h;
  const told = await harness.slack.waitFor(
    () => harness.slack.channelMessages(PLATFORM_CHANNEL)[0],
    'the platform channel message',
  );
  expect(String(told.args.text)).toContain(
    `Tooling or infrastructure error during <https://slack.com/archives/${CHANNEL}/p${r.cardTs.replace('.', '')}|rollback ${r.rollback.id}>`,
  );
  expect(String(told.args.text)).toContain(`<@${PLATFORM}>`);
  // A failure in Step 1 changed nothing: no page.
  expect(pages).toEqual([]);
});

it('a failed rollback pages on-call with one dedup key', async () => {
  await badDeploy(stack);
  h = await startHarness(config());
  const r = await request(h, 'production to liar verification will fail');
  await waitStatus(h, r.rollback.id, 'awaiting_approval');
  await h.click(ACTION.approve, r.rollback.id, IC, r.cardTs);
  await waitStatus(h, r.rollback.id, 'failed');
  const harness = h;
  await harness.slack.waitFor(() => pages.length > 0, 'the page');
  expect(pages).toEqual([expect.objectContaining({ event_action: 'trigger', dedup_key: `rollback-${r.rollback.id}` })]);
  await harness.slack.waitFor(
    () => thread(r.cardTs).includes('On-call was paged (PagerDuty)'),
    'the note in the thread',
  );
});
