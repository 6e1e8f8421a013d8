/** app_home_opened: the Home tab (not the Messages tab) is drawn for the person who opened it; bad payloads do nothing. */
import { appHomeOpenedEvent } from '../../../../../src/slack/listeners/events/app-home-opened.event';
import { EVENT } from '../../../../../src/slack/ids';
import { boltArgs, fakeDeps, refused, withMethod } from '../../../../support/listener-fakes';

const opened = (event: Record<string, unknown>) => ({ type: 'event_callback', event });

describe('app_home_opened', () => {
  it('listens to the event', () => {
    expect(appHomeOpenedEvent(fakeDeps(refused('x')).deps).id).toBe(EVENT.homeOpened);
  });

  it('asks the runbook to draw the Home tab of whoever opened it', async () => {
    const { deps, rec } = fakeDeps(refused('x'));
    const event = { type: 'app_home_opened', user: 'U0IC', channel: 'D0HOME', tab: 'home' };
    await appHomeOpenedEvent(deps).handler(boltArgs(rec, opened(event), { event }));
    expect(rec.calls).toEqual(['service.homeOpened']);
    expect(rec.args[0]).toEqual(['U0IC']);
  });

  it('draws nothing for the Messages tab, nor for a malformed event', async () => {
    const { deps, rec } = fakeDeps(refused('x'));
    for (const event of [
      { type: 'app_home_opened', user: 'U0IC', tab: 'messages' },
      { type: 'app_home_opened', user: 'not-a-user', tab: 'home' },
      { type: 'app_home_opened', tab: 'home' },
    ])
      await appHomeOpenedEvent(deps).handler(boltArgs(rec, opened(event), { event }));
    expect(rec.calls).toEqual([]);
  });

  it('logs a failure of the runbook instead of throwing', async () => {
    const { deps, rec } = fakeDeps(refused('x'));
    const warned: unknown[] = [];
    withMethod(deps, 'homeOpened', async () => {
      throw new Error('store down');
    });
    deps.logger = { warn: (o: unknown) => void warned.push(o) } as never;
    const event = { type: 'app_home_opened', user: 'U0IC', tab: 'home' };
    await expect(appHomeOpenedEvent(deps).handler(boltArgs(rec, opened(event), { event }))).resolves.toBeUndefined();
    expect(warned).toEqual([expect.objectContaining({ userId: 'U0IC' })]);
  });
});
