/**
 * The whole runbook through the real Bolt HTTP receiver: signed slash commands and button clicks, a fake Slack
 * Web API recording what the bot says, and real services on the local Docker swarm.
 */
import type { Rollback } from '../../src/domain/rollback';
import { ACTION } from '../../src/slack/ids';
import { type Harness, responseFor, startHarness } from '../support/bot-harness';
import {
  BACKEND_IMAGE,
  createService,
  freePort,
  FRONTEND_IMAGE,
  removeServices,
  requireSwarm,
  runningImage,
  uniqueName,
} from '../support/docker-env';
import * as scenario from '../support/scenario';
import { CHANNEL, IC, ONCALL, SOMEONE, type Stack, LAST_LINE, threadWith } from '../support/scenario';

const IC_BY_GROUP = 'U0GROUPIC';

jest.setTimeout(180_000);

describe('rollback end to end (Bolt HTTP receiver, fake Slack, real swarm)', () => {
  const backend = uniqueName('backend');
  const frontend = uniqueName('frontend');
  let backendPort: number;
  let frontendPort: number;
  let h: Harness;

  beforeAll(async () => {
    await requireSwarm();
    [backendPort, frontendPort] = await Promise.all([freePort(), freePort()]);
    await Promise.all([
      createService(backend, `${BACKEND_IMAGE}:v2`, backendPort),
      createService(frontend, `${FRONTEND_IMAGE}:v2`, frontendPort),
    ]);
  });

  afterAll(async () => {
    await removeServices(backend, frontend);
  });

  afterEach(async () => {
    await h?.stop();
  });

  const stack = (): Stack => ({ backend, frontend, backendPort, frontendPort });
  const config = (services?: { name: string; docker_service: string; image: string }[]) =>
    scenario.stackConfig(stack(), { services });
  const badDeploy = () => scenario.badDeploy(stack());
  const request = (text: string, user = ONCALL) => scenario.request(h, text, user);
  const statusOf = (id: string) => h.db.get(id)?.status;
  const waitStatus = (id: string, status: Rollback['status']) => scenario.waitStatus(h, id, status);
  const cardText = (ts: string) => scenario.cardText(h, ts);

  it('rolls back both services from the slash command to the completion template', async () => {
    await badDeploy();
    h = await startHarness(config());
    h.slack.usergroups.set('S0ICS', [IC_BY_GROUP]);

    const { rollback, cardTs, ackMs, responseUrl } = await request('production error rate 12% after the 14:02 deploy');
    expect(ackMs).toBeLessThan(3000);
    const ack = await responseFor(h.slack, responseUrl);
    expect(ack.response_type).toBe('ephemeral');
    expect(String(ack.text)).toContain(rollback.id);

    await waitStatus(rollback.id, 'awaiting_approval');
    const confirmed = h.db.get(rollback.id) as Rollback;
    expect(confirmed.target).toBe('v1');
    expect(confirmed.findings?.targetSource).toBe('swarm_previous_spec');
    expect(confirmed.findings?.services.map((s) => s.version)).toEqual(['v2', 'v2']);
    expect(confirmed.findings?.health).toMatchObject({ ok: true, status: 200, version: 'v2' });
    await h.slack.waitFor(() => cardText(cardTs).includes('Awaiting approval'), 'the card to ask for approval');
    const buttons = (
      h.slack.lastCard(cardTs)?.args.blocks as Array<{ type: string; elements?: Array<{ text: { text: string } }> }>
    ).find((b) => b.type === 'actions');
    expect(buttons?.elements?.map((e) => e.text.text)).toEqual(['Approve', 'Cancel']);

    // A member of the incident-commander user group approves.
    const click = await h.click(ACTION.approve, rollback.id, IC_BY_GROUP, cardTs);
    expect(click.status).toBe(200);
    await waitStatus(rollback.id, 'completed');
    await h.slack.waitFor(() => h.db.get(rollback.id)?.resolution, 'the resolution message');

    const announcements = h.slack.channelMessages(CHANNEL).map((c) => String(c.args.text));
    expect(announcements).toContain(
      [
        '<!channel> ROLLBACK IN PROGRESS',
        'Environment: production',
        'Current version: v2',
        'Rolling back to: v1',
        'Reason: error rate 12% after the 14:02 deploy',
        'ETA: 5-10 minutes',
      ].join('\n'),
    );
    expect(announcements).toContain(
      [
        '<!channel> ROLLBACK COMPLETE',
        'Environment: production',
        'Rolled back to: v1',
        'Status: All health checks passing',
        'Next steps: RCA will be conducted within 24 hours',
      ].join('\n'),
    );
    const inProgress = announcements.findIndex((t) => t.includes('ROLLBACK IN PROGRESS'));
    const complete = announcements.findIndex((t) => t.includes('ROLLBACK COMPLETE'));
    expect(inProgress).toBeLessThan(complete);

    expect(await runningImage(backend)).toMatch(/rollback-test\/backend:v1(@sha256:[0-9a-f]{64})?$/);
    expect(await runningImage(frontend)).toMatch(/rollback-test\/frontend:v1(@sha256:[0-9a-f]{64})?$/);
    const final = h.db.get(rollback.id) as Rollback;
    expect(final.approvedBy).toBe(IC_BY_GROUP);
    expect(Object.values(final.steps).map((s) => s.status)).toEqual(['done', 'done', 'done', 'done', 'done']);
    expect(final.verification?.smokeTests).toEqual([
      expect.objectContaining({ name: 'home page', ok: true, status: 200 }),
    ]);

    const thread = await threadWith(h, cardTs, LAST_LINE);
    for (const step of [
      'Step 1 — Confirm the issue: done',
      'Step 2 — Announce the rollback: done',
      'Step 3 — Execute the rollback (Docker Swarm): done',
      'Step 4 — Verify the rollback: done',
      'Step 5 — Announce the resolution: done',
    ]) {
      expect(thread).toContain(step);
    }
    await h.slack.waitFor(() => cardText(cardTs).includes('Completed'), 'the card to say Completed');
    expect(h.db.timeline(rollback.id).map((e) => e.type)).toEqual([
      'Requested',
      'CardPosted',
      'ChecklistPosted',
      'ConfirmationStarted',
      'IssueConfirmed',
      'ApprovalGranted',
      'RollbackAnnounced',
      // What each service ran right before Step 3's first update (bookkeeping for a restart; not told in the thread).
      'DeploymentStarted',
      'ServicesRolledBack',
      'RollbackVerified',
      'ResolutionAnnounced',
    ]);
    // The runbook's checklist lives in the thread, ticked by the bot for what it did...
    const checklistTs = h.db.get(rollback.id)?.checklist.message?.ts ?? '';
    const checklist = () =>
      h.slack
        .callsOf('chat.update')
        .filter((c) => c.args.ts === checklistTs)
        .at(-1);
    await h.slack.waitFor(() => String(checklist()?.args.text) === 'Rollback checklist 7/9', 'the checklist at 7/9');
    expect(JSON.stringify(checklist()?.args.blocks)).toContain(':white_check_mark: Resolution announced — the bot');
    // ...and by an incident commander for the rest; anyone else is refused.
    const stranger = await h.click('rollback_tick:ticket_created', rollback.id, SOMEONE, cardTs);
    expect(String((await responseFor(h.slack, stranger.responseUrl)).text)).toContain(
      'Only an incident commander can tick the checklist',
    );
    await h.click('rollback_tick:ticket_created', rollback.id, IC, cardTs);
    await h.slack.waitFor(() => String(checklist()?.args.text) === 'Rollback checklist 8/9', 'the checklist at 8/9');
    expect(JSON.stringify(checklist()?.args.blocks)).toContain(`:white_check_mark: Incident ticket created — <@${IC}>`);
    const status = await h.command('status', SOMEONE);
    const statusText = String((await responseFor(h.slack, status.responseUrl)).text);
    expect(statusText).toContain('checklist 8/9 (open: Post-mortem scheduled)');
    // "Investigate root cause before re-attempting deployment": the environment stays marked until an IC clears it.
    expect(statusText).toContain('*production* is *rolled back*');
    expect(cardText(cardTs)).toContain(ACTION.clearRootCause);

    // The RCA reminder was scheduled on completion; the post-mortem button schedules two more and ticks the item.
    const scheduled = () => h.slack.callsOf('chat.scheduleMessage');
    expect(scheduled()).toHaveLength(1);
    expect(Number(scheduled()[0].args.post_at) * 1000 - Date.now()).toBeGreaterThan(22 * 3_600_000);
    expect(String(scheduled()[0].args.text)).toContain(
      `the RCA for rollback ${rollback.id} of production is due within the hour`,
    );
    await h.click(ACTION.schedulePostmortem, rollback.id, IC, cardTs);
    await h.slack.waitFor(() => String(checklist()?.args.text) === 'Rollback checklist 9/9', 'the checklist at 9/9');
    // The tick is taken first (so two clicks schedule once), the reminders follow.
    await h.slack.waitFor(() => scheduled().length === 3, 'the two post-mortem reminders');
    const [, day1, day2] = scheduled().map(
      (c) => Number(c.args.post_at) * 1000 - Date.parse(final.steps.complete.endedAt ?? ''),
    );
    expect(Math.round(day1 / 3_600_000)).toBe(24);
    expect(Math.round(day2 / 3_600_000)).toBe(48);
    expect(String(scheduled()[1].args.text)).toContain(`/rollback timeline ${rollback.id}`);

    await h.click(ACTION.clearRootCause, rollback.id, IC, cardTs);
    await h.slack.waitFor(() => h.db.get(rollback.id)?.rootCauseCleared?.by === IC, 'the mark cleared');
    const after = await h.command('status', SOMEONE);
    expect(String((await responseFor(h.slack, after.responseUrl)).text)).not.toContain('is *rolled back*');

    // The deployment log, and a timeline for the post-mortem.
    const history = await h.command('history production', SOMEONE);
    expect(String((await responseFor(h.slack, history.responseUrl)).text)).toContain(rollback.id);
    const timeline = await h.command(`timeline ${rollback.id}`, SOMEONE);
    const markdown = String((await responseFor(h.slack, timeline.responseUrl)).text);
    expect(markdown).toContain(`# Rollback ${rollback.id} — production`);
    expect(markdown).toContain('Overall: **Immediate rollback**');
    expect(markdown).toContain(`Approved by @${IC_BY_GROUP}`);
    expect(markdown).toMatch(/\| Step 3 — Execute \| done \|/);
    expect(markdown).toContain('- [x] Post-mortem scheduled — @U0IC');

    // Tokens and the signing secret never reach the logs, though the bot logged at debug level.
    const logs = h.logLines.join('');
    expect(logs).toContain('rollback moved');
    expect(logs).not.toContain('xoxb-test');
    expect(logs).not.toContain('test-signing-secret');
  });

  it('refuses an approval from someone who is not an incident commander, then cancels', async () => {
    await badDeploy();
    h = await startHarness(config());
    const { rollback, cardTs } = await request('production checkout broken');
    await waitStatus(rollback.id, 'awaiting_approval');

    const refused = await h.click(ACTION.approve, rollback.id, SOMEONE, cardTs);
    expect(refused.status).toBe(200);
    const answer = await responseFor(h.slack, refused.responseUrl);
    expect(answer).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    expect(String(answer.text)).toContain('Only an incident commander can approve');
    expect(statusOf(rollback.id)).toBe('awaiting_approval');
    await h.slack.waitFor(
      () => h.slack.threadMessages(cardTs).some((t) => t.includes(`<@${SOMEONE}> tried to approve`)),
      'the refusal in the thread',
    );
    expect(h.db.timeline(rollback.id).find((e) => e.type === 'ApprovalRefused')).toMatchObject({
      actor: SOMEONE,
    });

    // Cancel is an incident commander's too.
    await h.click(ACTION.cancel, rollback.id, IC, cardTs);
    await waitStatus(rollback.id, 'cancelled');
    await h.slack.waitFor(() => cardText(cardTs).includes('Cancelled'), 'the card to say Cancelled');
    expect(h.slack.channelMessages(CHANNEL).some((c) => String(c.args.text).includes('ROLLBACK IN PROGRESS'))).toBe(
      false,
    );
    expect(await runningImage(backend)).toContain('backend:v2');

    // A click on a finished card changes nothing and says so.
    const late = await h.click(ACTION.approve, rollback.id, IC, cardTs);
    expect(String((await responseFor(h.slack, late.responseUrl)).text)).toContain('already cancelled');
    expect(statusOf(rollback.id)).toBe('cancelled');
  });

  it('fails verification when /health does not report the target version, and says what to do', async () => {
    await badDeploy();
    h = await startHarness(config());
    // The "liar" image answers /health with 200 but claims version v1: the version check is what must fail.
    const { rollback, cardTs } = await request('production to liar testing verification');
    await waitStatus(rollback.id, 'awaiting_approval');
    expect(h.db.get(rollback.id)?.findings?.targetSource).toBe('requested');
    await h.click(ACTION.approve, rollback.id, IC, cardTs);
    await waitStatus(rollback.id, 'failed');

    const failed = h.db.get(rollback.id) as Rollback;
    expect(failed.failure).toMatchObject({ step: 'verify' });
    expect(failed.failure?.reason).toContain('health reports version v1 instead of liar');
    const thread = await h.slack.waitFor(
      () => h.slack.threadMessages(cardTs).find((t) => t.includes('Step 4 — Verify the rollback failed')),
      'the verification failure in the thread',
    );
    expect(thread).toContain('Next steps');
    expect(thread).toContain(`<@${IC}>`);
    expect(thread).toContain(`<@${ONCALL}>`);
    expect(h.slack.channelMessages(CHANNEL).some((c) => String(c.args.text).includes('ROLLBACK COMPLETE'))).toBe(false);
    await h.slack.waitFor(() => cardText(cardTs).includes('Failed'), 'the card to say Failed');
  });

  it('fails Step 1 clearly when a configured service does not exist, changing nothing', async () => {
    h = await startHarness(
      config([
        { name: 'backend', docker_service: backend, image: BACKEND_IMAGE },
        { name: 'frontend', docker_service: 'rbtest-no-such-service', image: FRONTEND_IMAGE },
      ]),
    );
    const imageBefore = await runningImage(backend);
    const { rollback, cardTs } = await request('production to v1 missing service');
    await waitStatus(rollback.id, 'failed');
    const failed = h.db.get(rollback.id) as Rollback;
    expect(failed.failure).toMatchObject({ step: 'confirm', code: 'SERVICE_NOT_FOUND' });
    expect(failed.failure?.reason).toContain('Docker service "rbtest-no-such-service" does not exist');
    const thread = await h.slack.waitFor(
      () => h.slack.threadMessages(cardTs).find((t) => t.includes('failed')),
      'the failure in the thread',
    );
    expect(thread).toContain('Nothing was changed in production');
    expect(await runningImage(backend)).toBe(imageBefore);
    // The lock is released: the next request for the environment is accepted (and fails the same way).
    const next = await request('production to v1 second try');
    expect(next.rollback.id).not.toBe(rollback.id);
    await waitStatus(next.rollback.id, 'failed');
  });

  it('refuses a target image that cannot be pulled before asking for approval (a typed tag the registry lacks: the requester’s error)', async () => {
    h = await startHarness(config());
    const { rollback } = await request('production to v404 not in the registry');
    await waitStatus(rollback.id, 'failed');
    const failed = h.db.get(rollback.id) as Rollback;
    expect(failed.failure).toMatchObject({ step: 'confirm', code: 'TARGET_UNAVAILABLE' });
    expect(failed.failure?.reason).toContain('The version you named, v404, cannot be pulled');
    expect(failed.failure?.reason).toContain('rollback-test/backend:v404');
    expect(failed.approvedBy).toBeNull();
  });

  it('answers help and status, and rejects a request with a bad signature', async () => {
    h = await startHarness(config());
    const help = await h.command('help', SOMEONE);
    // Escaped, so Slack shows the placeholders instead of reading them as links.
    expect(String((await responseFor(h.slack, help.responseUrl)).text)).toContain(
      '/rollback &lt;environment&gt; [to &lt;version&gt;] [reason…]',
    );
    const status = await h.command('status', SOMEONE);
    expect(String((await responseFor(h.slack, status.responseUrl)).text)).toContain('In progress');
    const usage = await h.command('production to', SOMEONE);
    expect(String((await responseFor(h.slack, usage.responseUrl)).text)).toContain('`to` needs a version');
    const unknown = await h.command('narnia bad deploy', SOMEONE);
    expect(String((await responseFor(h.slack, unknown.responseUrl)).text)).toContain(
      'There is no environment `narnia`',
    );

    const { postSigned, slashCommandBody } = await import('../support/slack-requests');
    const forged = await postSigned(
      `${h.baseUrl}/slack/events`,
      slashCommandBody({
        text: 'production forged',
        userId: IC,
        channelId: CHANNEL,
        responseUrl: h.slack.newResponseUrl(),
      }),
      { secret: 'not-the-secret' },
    );
    expect(forged.status).toBe(401);
    expect(h.db.list({ limit: 10 })).toHaveLength(0);
    const healthz = await fetch(`${h.baseUrl}/healthz`);
    expect(healthz.status).toBe(200);
  });
});
