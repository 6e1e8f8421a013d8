/** Asking for a rollback on the in-memory world: the checks before a card, the lock and who may take it, the card, user reports. */
import type { Rollback } from '../../../../src/domain/rollback';
import { Requests } from '../../../../src/runbook/use-cases/requests';
import type { RollbackRequest } from '../../../../src/runbook/use-cases/use-case';
import { RecordingNotifier, unitConfig, unitWorld, type UnitWorld } from '../../../support/fakes';
import { useCaseContext } from '../../../support/use-case-fakes';

function requests(w: UnitWorld): { r: Requests; idle: () => Promise<void> } {
  const ctx = useCaseContext(w);
  return { r: new Requests(ctx), idle: () => ctx.runner.idle() };
}

const ask = (over: Partial<RollbackRequest> = {}): RollbackRequest => ({
  environment: 'production',
  target: null,
  reason: 'errors',
  userId: 'U0ONCALL',
  channelId: 'C0INCIDENT',
  ...over,
});

const idOf = (out: { kind: string; rollback?: Rollback }): string => {
  if (out.kind !== 'ok' || !out.rollback) throw new Error(`not started: ${JSON.stringify(out)}`);
  return out.rollback.id;
};

describe('Requests.request', () => {
  it('makes the rollback, posts its card and checklist under its lease, and runs Step 1', async () => {
    const w = unitWorld();
    const { r, idle } = requests(w);
    const id = idOf(await r.request(ask()));
    await idle();
    const stored = await w.store.get(id);
    expect(stored).toMatchObject({ status: 'awaiting_approval', requestedBy: 'U0ONCALL', target: 'v1' });
    expect(stored?.card).toEqual({ channel: 'C0INCIDENT', ts: expect.any(String) });
    expect((await w.store.timeline(id)).map((e) => e.type)).toEqual([
      'Requested',
      'CardPosted',
      'ChecklistPosted',
      'ConfirmationStarted',
      'IssueConfirmed',
    ]);
  });

  it('refuses an environment the config does not know, naming it', async () => {
    const { r } = requests(unitWorld());
    const out = await r.request(ask({ environment: 'staging' }));
    expect(out).toMatchObject({ kind: 'refused', message: expect.stringContaining('staging') });
  });

  it('sends a request made outside the incident channel there, and records the refusal', async () => {
    const w = unitWorld();
    const { r } = requests(w);
    const out = await r.request(ask({ channelId: 'C0RANDOM' }));
    expect(out).toEqual({
      kind: 'refused',
      message:
        'Rollbacks of production are requested in their incident channel, so the whole incident team sees them. Run the command there:',
      channel: 'C0INCIDENT',
    });
    expect(await w.store.refusals(10)).toEqual([expect.objectContaining({ userId: 'U0ONCALL', action: 'request' })]);
    expect(await w.store.list({ limit: 10 })).toEqual([]);
  });

  it('takes requests from anywhere where the environment says so', async () => {
    const w = unitWorld(unitConfig({ requests_from: 'anywhere' }));
    const { r, idle } = requests(w);
    expect(await r.request(ask({ channelId: 'C0RANDOM' }))).toMatchObject({ kind: 'ok' });
    await idle();
  });

  it('limits requests per user within the window', async () => {
    const w = unitWorld(unitConfig({}, { limits: { requests: { count: 1, window_minutes: 10 } } }));
    const { r, idle } = requests(w);
    const id = idOf(await r.request(ask()));
    await idle();
    expect((await w.store.get(id))?.status).toBe('awaiting_approval');
    const out = await r.request(ask({ target: 'v0' }));
    expect(out).toEqual({
      kind: 'refused',
      message:
        'Too many requests: you asked for 1 rollbacks in the last 10 min. Slow down, or ask an incident commander.',
    });
  });

  it('refuses a second rollback of an environment while one is in progress, under the first one', async () => {
    const w = unitWorld();
    const { r, idle } = requests(w);
    const first = idOf(await r.request(ask()));
    await idle();
    const out = await r.request(ask({ userId: 'U0OTHER', target: 'v0' }));
    expect(out).toMatchObject({
      kind: 'refused',
      message: `production already has a rollback in progress (${first}, awaiting approval). Follow it there.`,
    });
    expect((await w.store.timeline(first)).map((e) => e.type)).toContain('RequestRefused');
  });

  it('lets an incident commander’s request take the lock from a pending one of someone else', async () => {
    const w = unitWorld();
    const { r, idle } = requests(w);
    const first = idOf(await r.request(ask()));
    await idle();
    const second = idOf(await r.request(ask({ userId: 'U0IC', target: 'v1' })));
    await idle();
    expect((await w.store.get(first))?.status).toBe('cancelled');
    expect(await w.store.timeline(first)).toContainEqual(
      expect.objectContaining({
        event: expect.objectContaining({ why: 'superseded by an incident commander’s request' }),
      }),
    );
    expect((await w.store.get(second))?.status).toBe('awaiting_approval');
    // …but not from another incident commander's.
    const third = await r.request(ask({ userId: 'U0IC2', target: 'v1' }));
    expect(third).toMatchObject({ kind: 'refused' });
  });

  it('refuses, with what to type, when there is nothing to roll back to', async () => {
    const w = unitWorld();
    w.runtime.deployByHand('v2'); // both services now run v2 with v2 as previous: nothing older is known
    const { r } = requests(w);
    const out = await r.request(ask());
    expect(out).toMatchObject({
      kind: 'refused',
      message: expect.stringContaining('`/rollback production to <version> errors`'),
    });
    expect(await w.store.list({ limit: 10 })).toEqual([]);
  });

  it('ends the rollback, telling the requester, when the card cannot be posted', async () => {
    const notifier = new RecordingNotifier();
    notifier.postCard = async () => {
      throw new Error('channel_not_found');
    };
    const w = unitWorld(undefined, { notifier });
    const { r, idle } = requests(w);
    const out = await r.request(ask());
    expect(out).toEqual({
      kind: 'refused',
      message:
        'Nothing was started: the rollback card could not be posted in the incident channel (C0INCIDENT): channel_not_found',
    });
    await idle();
    const [made] = await w.store.list({ limit: 10 });
    expect(made.status).toBe('failed');
    expect(notifier.told).toEqual([]);
  });
});

describe('Requests.precheck and proposalFor (the form)', () => {
  it('says what is wrong before a request, and proposes the version Step 1 would', async () => {
    const w = unitWorld();
    const { r, idle } = requests(w);
    expect(await r.precheck('production')).toBeNull();
    expect(await r.precheck('staging')).toEqual(expect.stringContaining('staging'));
    expect(await r.proposalFor('production')).toBe('v1');
    expect(await r.proposalFor('staging')).toBeNull();
    const id = idOf(await r.request(ask()));
    await idle();
    expect(await r.precheck('production')).toBe(`production already has a rollback in progress (${id}).`);
  });
});

describe('Requests.report', () => {
  it('counts unique reporters, and alerts the channel once when they reach the threshold', async () => {
    const w = unitWorld();
    const { notifier } = w;
    const { r } = requests(w);
    const report = (userId: string) => r.report({ environment: 'production', text: 'checkout 500s', userId });
    expect(await report('U1')).toEqual({
      kind: 'ok',
      message:
        'Thanks, recorded. 1 unique reporter for production in the last 30 min (3 make it "Evaluate, likely rollback").',
    });
    await report('U1');
    await report('U2');
    expect(notifier.alerts).toEqual([]);
    expect(await report('U3')).toMatchObject({
      message: expect.stringMatching(/^Thanks, recorded\. 3 unique reporters/),
    });
    expect(notifier.alerts).toEqual([
      expect.objectContaining({ channel: 'C0INCIDENT', reporters: expect.arrayContaining(['U1', 'U2', 'U3']) }),
    ]);
    await report('U4');
    expect(notifier.alerts).toHaveLength(1);
  });

  it('limits reports per user, and refuses an unknown environment', async () => {
    const w = unitWorld(unitConfig({}, { limits: { reports: { count: 1, window_minutes: 10 } } }));
    const { r } = requests(w);
    await r.report({ environment: 'production', text: 'slow', userId: 'U1' });
    expect(await r.report({ environment: 'production', text: 'slow', userId: 'U1' })).toMatchObject({
      kind: 'refused',
      message: expect.stringMatching(/^Too many reports: you sent 1 in the last 10 min/),
    });
    expect(await r.report({ environment: 'staging', text: 'slow', userId: 'U2' })).toMatchObject({ kind: 'refused' });
  });
});
