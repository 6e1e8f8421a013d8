/**
 * Nothing runs twice, and no one unauthorised acts: concurrent clicks, Slack's retried deliveries, a second
 * request while one is active, forged or replayed requests, the wrong channel, four eyes.
 */
import { ACTION } from '../../src/slack/ids';
import { BOT_TOKEN, type Harness, responseFor, SIGNING_SECRET, startHarness } from '../support/bot-harness';
import { createStack, imageUpdatesSince, removeServices, requireSwarm } from '../support/docker-env';
import {
  badDeploy,
  CHANNEL,
  IC,
  ONCALL,
  request,
  SOMEONE,
  type Stack,
  stackConfig,
  waitStatus,
} from '../support/scenario';
import { buttonClickBody, postSigned, sign, slashCommandBody } from '../support/slack-requests';

jest.setTimeout(180_000);

const OTHER_IC = 'U0IC2';
let stack: Stack;
let h: Harness | undefined;

beforeAll(async () => {
  await requireSwarm();
  stack = await createStack('once', 'v2');
});
afterAll(() => removeServices(stack.backend, stack.frontend));
afterEach(async () => {
  if (!h) return;
  // No secret reached the logs, whatever the test did.
  const logs = h.logLines.join('');
  expect(logs).not.toContain(BOT_TOKEN);
  expect(logs).not.toContain(SIGNING_SECRET);
  await h.stop();
  h = undefined;
});

const config = (environment: Record<string, unknown> = {}) => {
  const c = stackConfig(stack, { environment });
  c.roles.incident_commanders.users.push(OTHER_IC);
  return c;
};

describe('exactly once', () => {
  it('20 concurrent Approve clicks: one execution (one image update per service), one announcement', async () => {
    await badDeploy(stack);
    const harness = await startHarness(config());
    h = harness;
    const r = await request(harness, 'production double clicks');
    await waitStatus(harness, r.rollback.id, 'awaiting_approval');
    const since = Math.floor(Date.now() / 1000);

    const clicks = await Promise.all(
      Array.from({ length: 20 }, () => harness.click(ACTION.approve, r.rollback.id, IC, r.cardTs)),
    );
    expect(clicks.every((c) => c.status === 200)).toBe(true);
    await waitStatus(harness, r.rollback.id, 'completed');
    await harness.slack.waitFor(() => harness.db.get(r.rollback.id)?.resolution, 'the resolution');

    expect(await imageUpdatesSince(stack.backend, since)).toBe(1);
    expect(await imageUpdatesSince(stack.frontend, since)).toBe(1);
    const announcements = h.slack
      .channelMessages(CHANNEL)
      .filter((c) => String(c.args.text).includes('ROLLBACK IN PROGRESS'));
    expect(announcements).toHaveLength(1);
    expect(h.db.timeline(r.rollback.id).filter((e) => e.type === 'ApprovalGranted')).toHaveLength(1);
    // The 19 others were told, privately, that it was already under way.
    const answerTo = (c: { responseUrl: string }) =>
      harness.slack.responses.find((x) => x.id === c.responseUrl.split('/').pop())?.body;
    const answers = await harness.slack.waitFor(() => {
      const all = clicks.map(answerTo);
      return all.filter(Boolean).length >= 19 ? all : undefined;
    }, 'the answers to the 19 other clicks');
    const told = answers.filter((a) => a && String(a.text).startsWith('This rollback is already'));
    expect(told).toHaveLength(19);

    // A click on the finished card changes nothing and says so.
    const late = await h.click(ACTION.approve, r.rollback.id, IC, r.cardTs);
    expect(String((await responseFor(h.slack, late.responseUrl)).text)).toBe(
      'This rollback is already completed; nothing was done.',
    );
    expect(await imageUpdatesSince(stack.backend, since)).toBe(1);
  });

  it('recognises Slack’s retried deliveries and does the work once', async () => {
    await badDeploy(stack);
    h = await startHarness(config());
    const url = `${h.baseUrl}/slack/events`;
    const body = slashCommandBody({
      text: 'production retried delivery',
      userId: ONCALL,
      channelId: CHANNEL,
      responseUrl: h.slack.newResponseUrl(),
    });
    expect((await postSigned(url, body, { secret: SIGNING_SECRET })).status).toBe(200);
    const retry = await postSigned(url, body, {
      secret: SIGNING_SECRET,
      headers: { 'X-Slack-Retry-Num': '1', 'X-Slack-Retry-Reason': 'http_timeout' },
    });
    expect(retry.status).toBe(200);
    const harness = h;
    const rollback = await harness.slack.waitFor(
      () => harness.db.list({ limit: 5 }).find((x) => x.status === 'awaiting_approval'),
      'the rollback',
    );
    expect(h.db.list({ limit: 5 })).toHaveLength(1);
    expect(h.db.timeline(rollback.id).some((e) => e.type === 'RequestRefused')).toBe(false);

    const click = buttonClickBody({
      actionId: ACTION.approve,
      value: rollback.id,
      userId: SOMEONE,
      channelId: CHANNEL,
      messageTs: rollback.card?.ts ?? '',
      responseUrl: h.slack.newResponseUrl(),
    });
    await postSigned(url, click, { secret: SIGNING_SECRET });
    await postSigned(url, click, { secret: SIGNING_SECRET, headers: { 'X-Slack-Retry-Num': '1' } });
    await harness.slack.waitFor(
      () => harness.db.timeline(rollback.id).some((e) => e.type === 'ApprovalRefused'),
      'the refusal',
    );
    await new Promise((r) => setTimeout(r, 300));
    expect(h.db.timeline(rollback.id).filter((e) => e.type === 'ApprovalRefused')).toHaveLength(1);
    expect(h.logLines.join('')).toContain('ignored a repeated Slack delivery');
  });

  it('one rollback per environment: a second request points at the active card and is recorded', async () => {
    await badDeploy(stack);
    h = await startHarness(config());
    const first = await request(h, 'production first');
    await waitStatus(h, first.rollback.id, 'awaiting_approval');
    const second = await h.command('production second', SOMEONE);
    const said = String((await responseFor(h.slack, second.responseUrl)).text);
    expect(said).toContain(`production already has a rollback in progress (${first.rollback.id}, awaiting approval)`);
    expect(said).toContain(`<https://slack.com/archives/${CHANNEL}/p${first.cardTs.replace('.', '')}|the card>`);
    expect(h.db.list({ limit: 5 })).toHaveLength(1);
    expect(h.db.timeline(first.rollback.id).find((e) => e.type === 'RequestRefused')).toMatchObject({
      actor: SOMEONE,
    });
    await h.click(ACTION.cancel, first.rollback.id, IC, first.cardTs);
    await waitStatus(h, first.rollback.id, 'cancelled');
  });
});

describe('who may do what', () => {
  const command = (h: Harness, timestamp: number, opts: { signature?: string } = {}) => {
    const body = slashCommandBody({
      text: 'production forged',
      userId: IC,
      channelId: CHANNEL,
      responseUrl: h.slack.newResponseUrl(),
    });
    return postSigned(`${h.baseUrl}/slack/events`, body, {
      secret: SIGNING_SECRET,
      timestamp,
      signature: opts.signature,
    });
  };

  it('rejects a bad signature, a stale timestamp and one from the future before any handler runs', async () => {
    h = await startHarness(config());
    const now = Math.floor(Date.now() / 1000);
    const harness = h;
    // The start-up token check is the only call the bot makes by itself.
    await harness.slack.waitFor(() => harness.slack.callsOf('auth.test').length === 1, 'the token check');
    const callsBefore = h.slack.calls.length;
    expect((await command(h, now, { signature: sign('wrong-secret', now, 'x') })).status).toBe(401);
    expect((await command(h, now - 6 * 60)).status).toBe(401);
    expect((await command(h, now + 5 * 60)).status).toBe(401);
    expect(h.db.list({ limit: 5 })).toHaveLength(0);
    expect(h.slack.calls.length).toBe(callsBefore);
    expect(h.slack.responses).toHaveLength(0);
    // A clock a little ahead is tolerated.
    expect((await command(h, now + 20)).status).toBe(200);
  });

  it('takes requests for an environment only from its incident channel, and records the refusal', async () => {
    h = await startHarness(config());
    const res = await h.command('production to v1 from elsewhere', IC, 'C0RANDOM');
    expect(String((await responseFor(h.slack, res.responseUrl)).text)).toBe(
      `Rollbacks of production are requested in their incident channel, so the whole incident team sees them. Run the command there: <#${CHANNEL}>`,
    );
    expect(h.db.list({ limit: 5 })).toHaveLength(0);
    expect(h.db.refusals(5)).toEqual([
      expect.objectContaining({ userId: IC, environment: 'production', action: 'request' }),
    ]);
  });

  it('can require the approver to differ from the requester', async () => {
    await badDeploy(stack);
    h = await startHarness(config({ approval: { require_different_approver: true } }));
    const r = await request(h, 'production four eyes', IC);
    await waitStatus(h, r.rollback.id, 'awaiting_approval');
    const own = await h.click(ACTION.approve, r.rollback.id, IC, r.cardTs);
    expect(String((await responseFor(h.slack, own.responseUrl)).text)).toContain(
      'another incident commander must approve',
    );
    expect(h.db.get(r.rollback.id)?.status).toBe('awaiting_approval');
    // Recorded as the first of two approvals; a second incident commander's makes it count.
    expect(h.db.timeline(r.rollback.id).find((e) => e.type === 'ApprovalRecorded')).toMatchObject({ actor: IC });
    await h.click(ACTION.approve, r.rollback.id, OTHER_IC, r.cardTs);
    await waitStatus(h, r.rollback.id, 'completed');
    expect(h.db.get(r.rollback.id)?.approvedBy).toBe(OTHER_IC);
  });
});
