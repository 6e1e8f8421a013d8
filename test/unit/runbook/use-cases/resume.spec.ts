/** Resuming: a rollback whose lease ran out is picked up and said so under its card; one driven here is left alone. */
import { applyEvent } from '../../../../src/runbook/engine/context';
import { Resume } from '../../../../src/runbook/use-cases/resume';
import { approvedEvents, draftRollback, unitWorld } from '../../../support/fakes';
import { useCaseContext } from '../../../support/use-case-fakes';

const AT = '2026-12-01T10:00:00.000Z';

describe('Resume.resumeOrphans', () => {
  it('picks up an approved rollback whose driver died, tells the thread, and runs it to the end', async () => {
    const w = unitWorld();
    // Another replica took the lease for a minute and was never heard of again.
    await w.store.create(draftRollback(AT), { owner: 'dead#1', until: w.clock.now().getTime() + 60_000 });
    for (const e of approvedEvents(AT)) await applyEvent(w.store, 'rb-1', e);
    const stalled = (await w.store.get('rb-1'))?.status;
    const ctx = useCaseContext(w);
    const resume = new Resume(ctx);

    expect(await resume.resumeOrphans()).toEqual([]);
    w.clock.advance(61_000);
    const picked = await resume.resumeOrphans();
    expect(picked.map((r) => r.id)).toEqual(['rb-1']);
    const note = w.notifier.told.find((t) => t.event.type === 'Note');
    expect(note?.event).toMatchObject({ fact: { kind: 'resuming', from: stalled } });
    await ctx.runner.idle();
    expect((await w.store.get('rb-1'))?.status).toBe('completed');
  });

  it('leaves alone a rollback this instance already drives', async () => {
    const w = unitWorld();
    await w.store.create(draftRollback(AT), { owner: 'dead#1', until: w.clock.now().getTime() - 1 });
    const ctx = useCaseContext(w);
    let release: () => void = () => undefined;
    const held = ctx.runner.own('rb-1', () => new Promise<null>((r) => (release = () => r(null))));
    expect(await new Resume(ctx).resumeOrphans()).toEqual([]);
    expect(w.notifier.told).toEqual([]);
    release();
    await held;
  });
});
