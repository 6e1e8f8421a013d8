/**
 * The other ways a rollback is asked for, end to end: three users' reports ("Evaluate, likely rollback"), the bot's
 * own proposal when a criterion trips (`watch: true`), and the form behind a bare `/rollback`.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Rollback } from '../../src/domain/rollback';
import { ACTION, VIEW } from '../../src/slack/ids';
import { type Harness, responseFor, SIGNING_SECRET, startHarness } from '../support/bot-harness';
import { createStack, imageUpdatesSince, removeServices, requireSwarm, runningImage } from '../support/docker-env';
import { badDeploy, CHANNEL, cardText, IC, ONCALL, type Stack, stackConfig, waitStatus } from '../support/scenario';
import { buttonClickBody, postSigned, viewSubmissionBody } from '../support/slack-requests';

jest.setTimeout(180_000);

let stack: Stack;
let h: Harness | undefined;

beforeAll(async () => {
  await requireSwarm();
  stack = await createStack('requests', 'v2');
});
afterAll(() => removeServices(stack.backend, stack.frontend));
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

const answer = async (res: { responseUrl: string }) =>
  String((await responseFor(h?.slack as Harness['slack'], res.responseUrl)).text);

it('three unique reporters: "Evaluate, likely rollback" in the channel, once, with a button that opens a request', async () => {
  await badDeploy(stack);
  h = await startHarness(stackConfig(stack));
  expect(await answer(await h.command('report production checkout returns 500', 'U0USER1'))).toContain(
    'Thanks, recorded. 1 unique reporter for production in the last 30 min',
  );
  expect(await answer(await h.command('report production still broken', 'U0USER1'))).toContain('1 unique reporter');
  expect(await answer(await h.command('report production cart is empty', 'U0USER2'))).toContain('2 unique reporters');
  expect(h.slack.channelMessages(CHANNEL)).toHaveLength(0);
  expect(await answer(await h.command('report production payment page spins', 'U0USER3'))).toContain(
    '3 unique reporters',
  );
  const harness = h;
  const alert = await harness.slack.waitFor(
    () => harness.slack.channelMessages(CHANNEL).find((c) => String(c.args.text).includes('Evaluate, likely rollback')),
    'the alert',
  );
  expect(String(alert.args.text)).toContain('3 people reported problems with *production* in the last 30 min');
  expect(String(alert.args.text)).toContain('> payment page spins');
  expect(String(alert.args.text)).toContain('<@U0ONCALL> <@U0IC> <!subteam^S0ICS>');
  // A fourth reporter within the window does not repeat the alert.
  await h.command('report production me too', 'U0USER4');
  await new Promise((r) => setTimeout(r, 200));
  expect(
    h.slack.channelMessages(CHANNEL).filter((c) => String(c.args.text).includes('Evaluate, likely rollback')),
  ).toHaveLength(1);

  const click = await postSigned(
    `${h.baseUrl}/slack/events`,
    buttonClickBody({
      actionId: ACTION.requestFromReports,
      value: 'production',
      userId: ONCALL,
      channelId: CHANNEL,
      messageTs: String(alert.args.ts),
      responseUrl: h.slack.newResponseUrl(),
    }),
    { secret: SIGNING_SECRET },
  );
  expect(click.status).toBe(200);
  const r = await harness.slack.waitFor(
    () => harness.db.list({ environment: 'production', limit: 1 })[0],
    'the rollback',
  );
  expect(r).toMatchObject({ requestedBy: ONCALL, reason: 'user reports: evaluate, likely rollback' });
  await waitStatus(h, r.id, 'awaiting_approval');
  expect(h.db.get(r.id)?.findings?.criteria?.rows.find((x) => x.signal === 'user_reports')).toMatchObject({
    verdict: 'met',
    observed: '4 unique',
  });
});

it('watch: a tripped criterion makes the bot propose a rollback that waits for Approve; once cancelled, it backs off', async () => {
  await badDeploy(stack);
  h = await startHarness(
    stackConfig(stack, { environment: { watch: true, watch_interval_ms: 1000, watch_backoff_ms: 60_000 } }),
  );
  const harness = h;
  const proposal = await harness.slack.waitFor(
    () => harness.db.list({ environment: 'production', limit: 1 }).find((r) => r.card),
    'a proposal with its card',
    20_000,
  );
  expect(proposal.requestedBy).toBe('rollback-bot');
  expect(proposal.reason).toContain('Proposed by the bot: Error rate 12 % (threshold > 5.0 % of requests)');
  await waitStatus(h, proposal.id, 'awaiting_approval');
  await harness.slack.waitFor(
    () => cardText(harness, proposal.card?.ts ?? '').includes('Proposed by Rollback Bot'),
    'the proposal card',
  );
  expect(cardText(h, proposal.card?.ts ?? '')).toContain('Proposed rollback · production');
  await harness.slack.waitFor(
    () => h?.slack.threadMessages(proposal.card?.ts ?? '').some((t) => t.includes('<@U0ONCALL> <@U0IC>')),
    'on-call and the ICs mentioned',
  );

  // It never executes by itself, and posts no second proposal while this one is open.
  await new Promise((r) => setTimeout(r, 2500));
  expect(h.db.get(proposal.id)?.status).toBe('awaiting_approval');
  expect(h.db.list({ environment: 'production', limit: 10 })).toHaveLength(1);
  expect(await runningImage(stack.backend)).toContain('backend:v2');

  await h.click(ACTION.cancel, proposal.id, IC, proposal.card?.ts ?? '');
  await waitStatus(h, proposal.id, 'cancelled');
  await new Promise((r) => setTimeout(r, 2500));
  expect(h.db.list({ environment: 'production', limit: 10 })).toHaveLength(1);
});

it('the form: opens prefilled with the proposal, answers bad input inside the form, and starts the same rollback', async () => {
  await badDeploy(stack);
  h = await startHarness(stackConfig(stack));
  const res = await h.command('', ONCALL);
  expect(res.status).toBe(200);
  const harness = h;
  const opened = await harness.slack.waitFor(() => harness.slack.callsOf('views.open')[0], 'views.open');
  const view = JSON.parse(String(opened.args.view)) as {
    callback_id: string;
    private_metadata: string;
    blocks: Array<{ block_id: string; element: Record<string, unknown> }>;
  };
  expect(view.callback_id).toBe(VIEW.request);
  const element = (id: string) => view.blocks.find((b) => b.block_id === id)?.element;
  expect(element('environment')).toMatchObject({ initial_option: { value: 'production' } });
  expect(element('version')).toMatchObject({ initial_value: 'v1' });

  const submit = (version: string, reason: string) =>
    postSigned(
      `${harness.baseUrl}/slack/events`,
      viewSubmissionBody({
        userId: ONCALL,
        callbackId: VIEW.request,
        privateMetadata: view.private_metadata,
        values: {
          environment: { value: { type: 'static_select', selected_option: { value: 'production' } } },
          version: { value: { type: 'plain_text_input', value: version } },
          reason: { value: { type: 'plain_text_input', value: reason } },
        },
      }),
      { secret: SIGNING_SECRET },
    );
  const bad = await submit('v1;reboot', '');
  expect(bad.status).toBe(200);
  expect(JSON.parse(bad.text)).toEqual({
    response_action: 'errors',
    errors: {
      version: 'Use an image tag: letters, digits, . _ - (at most 128 characters).',
      reason: 'Say why: it goes into the announcement.',
    },
  });
  expect(h.db.list({ limit: 5 })).toHaveLength(0);

  const good = await submit('v1', 'error rate 12% after the deploy');
  expect(good.status).toBe(200);
  const r: Rollback = await harness.slack.waitFor(() => harness.db.list({ limit: 1 })[0], 'the rollback');
  expect(r).toMatchObject({
    environment: 'production',
    requestedTarget: 'v1',
    reason: 'error rate 12% after the deploy',
    requestedBy: ONCALL,
  });
  const told = await harness.slack.waitFor(
    () => harness.slack.callsOf('chat.postEphemeral')[0],
    'the ephemeral answer',
  );
  expect(told.args).toMatchObject({ channel: CHANNEL, user: ONCALL });
  expect(String(told.args.text)).toContain(`Rollback \`${r.id}\` of *production* requested`);
  await waitStatus(h, r.id, 'awaiting_approval');
  await h.click(ACTION.cancel, r.id, IC, r.card?.ts ?? '');
  await waitStatus(h, r.id, 'cancelled');
});

it('dry run: Step 1 for real, then exactly what Steps 2–5 would do; nothing changes, no @channel', async () => {
  await badDeploy(stack);
  h = await startHarness(stackConfig(stack));
  const since = Math.floor(Date.now() / 1000);
  const res = await h.command('production --dry-run checking the plan', ONCALL);
  expect(await answer(res)).toMatch(/^DRY RUN `rb-[a-z0-9]+` of \*production\*/);
  const harness = h;
  const r = await harness.slack.waitFor(() => harness.db.list({ limit: 1 })[0], 'the dry run');
  await waitStatus(h, r.id, 'rehearsed');
  const ts = harness.db.get(r.id)?.card?.ts ?? '';
  const plan = await harness.slack.waitFor(
    () => harness.slack.threadMessages(ts).find((t) => t.includes('This is what the rollback would do')),
    'the plan',
  );
  expect(plan).toContain('*DRY RUN* — :clipboard: *Nothing was changed.*');
  expect(plan).toContain('> @channel ROLLBACK IN PROGRESS');
  expect(plan).toContain(
    `• backend (\`${stack.backend}\`): \`127.0.0.1:5000/rollback-test/backend:v2\` → \`127.0.0.1:5000/rollback-test/backend:v1\``,
  );
  expect(plan).toContain('> @channel ROLLBACK COMPLETE');
  // Every thread message says DRY RUN, the card too; nothing was announced, nothing changed in Docker.
  expect(
    h.slack
      .threadMessages(ts)
      .filter((t) => !t.startsWith('Rollback checklist'))
      .every((t) => t.startsWith('*DRY RUN*')),
  ).toBe(true);
  await harness.slack.waitFor(() => cardText(harness, ts).includes('DRY RUN · Rollback · production'), 'the card');
  expect(JSON.stringify(h.slack.calls)).not.toContain('<!channel>');
  expect(await runningImage(stack.backend)).toContain('backend:v2');
  expect(await imageUpdatesSince(stack.backend, since)).toBe(0);
  // The environment is free again; a dry run does not mark it rolled back.
  const status = await h.command('status', ONCALL);
  expect(await answer(status)).not.toContain('is *rolled back*');
});

describe('incident tickets (a GitHub stand-in on 127.0.0.1)', () => {
  let github: Server;
  let githubUrl: string;
  const issues: Array<{ auth: string | undefined; body: { title: string; body: string; labels: string[] } }> = [];

  beforeAll(async () => {
    github = createServer((req, res) => {
      let data = '';
      req.on('data', (c: Buffer) => (data += c.toString()));
      req.on('end', () => {
        if (req.method === 'POST' && req.url === '/repos/acme/shop/issues') {
          issues.push({ auth: req.headers.authorization, body: JSON.parse(data) });
          res.writeHead(201, { 'Content-Type': 'application/json' }).end(
            JSON.stringify({
              number: issues.length,
              html_url: `https://github.example/acme/shop/issues/${issues.length}`,
            }),
          );
          return;
        }
        res.writeHead(404).end('{"message":"Not Found"}');
      });
    });
    await new Promise<void>((r) => github.listen(0, '127.0.0.1', r));
    githubUrl = `http://127.0.0.1:${(github.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    github.closeAllConnections();
    await new Promise((r) => github.close(r));
  });

  const tickets = (auto: boolean) => ({
    tickets: { github: { repo: 'acme/shop', token: 'ghp_test_token_123', api_url: githubUrl }, auto },
  });

  it('"Create incident ticket" opens a GitHub issue with the timeline and links it in the thread', async () => {
    await badDeploy(stack);
    h = await startHarness(stackConfig(stack, { environment: tickets(false) }));
    const harness = h;
    await h.command('production ticket please', ONCALL);
    const r = await harness.slack.waitFor(
      () => harness.db.list({ limit: 1 }).find((x) => x.status === 'awaiting_approval'),
      'the rollback',
    );
    await h.click(ACTION.cancel, r.id, IC, r.card?.ts ?? '');
    await waitStatus(h, r.id, 'cancelled');
    await h.click(ACTION.createTicket, r.id, IC, r.card?.ts ?? '');
    await harness.slack.waitFor(() => issues.length === 1, 'the GitHub issue');
    expect(issues[0].auth).toBe('Bearer ghp_test_token_123');
    expect(issues[0].body.labels).toEqual(['incident', 'rollback']);
    expect(issues[0].body.title).toContain('Incident: production');
    expect(issues[0].body.body).toContain('## Root cause hypothesis');
    expect(issues[0].body.body).toContain(`## Rollback ${r.id} — production`);
    await harness.slack.waitFor(
      () =>
        harness.slack
          .threadMessages(r.card?.ts ?? '')
          .some((t) => t.includes(':ticket: Incident ticket: https://github.example/acme/shop/issues/1')),
      'the link in the thread',
    );
    expect(h.db.get(r.id)?.checklist.ticks).toEqual([
      expect.objectContaining({ item: 'ticket_created', by: IC, link: 'https://github.example/acme/shop/issues/1' }),
    ]);
    // Only once.
    const again = await h.click(ACTION.createTicket, r.id, IC, r.card?.ts ?? '');
    expect(await answer(again)).toBe('The incident ticket was already created.');
    expect(issues).toHaveLength(1);
  });

  it('with tickets.auto, an approved rollback that ends opens its ticket by itself', async () => {
    issues.length = 0;
    await badDeploy(stack);
    h = await startHarness(stackConfig(stack, { environment: tickets(true) }));
    const harness = h;
    await h.command('production to liar auto ticket', ONCALL);
    const r = await harness.slack.waitFor(
      () => harness.db.list({ limit: 1 }).find((x) => x.status === 'awaiting_approval'),
      'the rollback',
    );
    await h.click(ACTION.approve, r.id, IC, r.card?.ts ?? '');
    await waitStatus(h, r.id, 'failed');
    await harness.slack.waitFor(() => issues.length === 1, 'the automatic GitHub issue');
    expect(issues[0].body.body).toContain('Result: **failed**');
    await harness.slack.waitFor(
      () => harness.db.get(r.id)?.checklist.ticks.some((t) => t.item === 'ticket_created'),
      'the checklist ticked',
    );
  });
});
