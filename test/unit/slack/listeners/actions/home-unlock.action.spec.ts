/** The Home tab's "Unlock": ack, then the modal that asks for the reason (the unlock itself is the form's). */
import { ACTION, VIEW } from '../../../../../src/slack/ids';
import { homeUnlockAction } from '../../../../../src/slack/listeners/actions/home-unlock.action';
import { boltArgs, click, fakeDeps, refused } from '../../../../support/listener-fakes';

const homeClick = (value: string) => ({ ...click(ACTION.homeUnlock, value), trigger_id: 'trigger-2' });

describe('Unlock, from the Home tab', () => {
  it('opens the reason form for the environment and changes nothing yet', async () => {
    const { deps, rec } = fakeDeps(refused('x'));
    const opened: Array<Record<string, any>> = []; // eslint-disable-line @typescript-eslint/no-explicit-any
    const client = { views: { open: async (a: Record<string, unknown>) => void opened.push(a) } };
    await homeUnlockAction(deps).handler(boltArgs(rec, homeClick('production'), { client }));
    expect(rec.calls).toEqual(['ack']);
    expect(opened).toHaveLength(1);
    expect(opened[0]).toMatchObject({
      trigger_id: 'trigger-2',
      view: { callback_id: VIEW.unlock, private_metadata: '{"environment":"production"}' },
    });
  });

  it('opens nothing for an unknown environment or a malformed click', async () => {
    const { deps, rec } = fakeDeps(refused('x'));
    const opened: unknown[] = [];
    const client = { views: { open: async (a: unknown) => void opened.push(a) } };
    await homeUnlockAction(deps).handler(boltArgs(rec, homeClick('nowhere'), { client }));
    await homeUnlockAction(deps).handler(boltArgs(rec, { user: { id: 'U0IC' }, actions: [] }, { client }));
    expect(rec.calls).toEqual(['ack', 'ack']);
    expect(opened).toEqual([]);
  });
});
