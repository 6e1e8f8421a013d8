/** The Home tab's "Request a rollback": ack, then the rollback form prefilled with the environment and the proposal. */
import { ACTION, VIEW } from '../../../../../src/slack/ids';
import { homeRequestAction } from '../../../../../src/slack/listeners/actions/home-request.action';
import { boltArgs, click, fakeDeps, refused, withMethod } from '../../../../support/listener-fakes';

const homeClick = (actionId: string, value: string, user = 'U0ONCALL') => ({
  ...click(actionId, value, user),
  channel: undefined,
  container: { type: 'view', view_id: 'V0HOME' },
  trigger_id: 'trigger-1',
});

describe('Request a rollback, from the Home tab', () => {
  it('opens the form with the environment chosen and its answer going to the environment channel', async () => {
    const { deps, rec } = fakeDeps(refused('x'));
    withMethod(deps, 'proposalFor', async () => 'v1.4.2');
    const opened: Array<Record<string, any>> = []; // eslint-disable-line @typescript-eslint/no-explicit-any
    const client = { views: { open: async (a: Record<string, unknown>) => void opened.push(a) } };
    await homeRequestAction(deps).handler(boltArgs(rec, homeClick(ACTION.homeRequest, 'production'), { client }));
    expect(rec.calls[0]).toBe('ack');
    expect(opened).toHaveLength(1);
    expect(opened[0].trigger_id).toBe('trigger-1');
    expect(opened[0].view.callback_id).toBe(VIEW.request);
    expect(opened[0].view.private_metadata).toBe(JSON.stringify({ channelId: 'C0INCIDENT' }));
    const [environment, version] = opened[0].view.blocks;
    expect(environment.element.initial_option.value).toBe('production');
    expect(version.element.initial_value).toBe('v1.4.2');
  });

  it('opens nothing for an environment the config does not know, or a malformed click', async () => {
    const { deps, rec } = fakeDeps(refused('x'));
    const opened: unknown[] = [];
    const client = { views: { open: async (a: unknown) => void opened.push(a) } };
    await homeRequestAction(deps).handler(boltArgs(rec, homeClick(ACTION.homeRequest, 'nowhere'), { client }));
    await homeRequestAction(deps).handler(boltArgs(rec, homeClick(ACTION.homeRequest, '<bad>'), { client }));
    expect(rec.calls).toEqual(['ack', 'ack']);
    expect(opened).toEqual([]);
  });

  it('logs a form Slack would not open', async () => {
    const { deps, rec } = fakeDeps(refused('x'));
    const client = {
      views: {
        open: async () => {
          throw new Error('expired_trigger_id');
        },
      },
    };
    await expect(
      homeRequestAction(deps).handler(boltArgs(rec, homeClick(ACTION.homeRequest, 'production'), { client })),
    ).resolves.toBeUndefined();
  });
});
