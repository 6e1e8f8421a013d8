/** The Events API registry: app_home_opened is listened to, with its listener. */
import { register } from '../../../../../src/slack/listeners/events';
import { EVENT } from '../../../../../src/slack/ids';
import { fakeDeps, refused } from '../../../../support/listener-fakes';

it('registers the Home tab listener for app_home_opened', async () => {
  const { deps, rec } = fakeDeps(refused('x'));
  const registered: Array<[string, (args: unknown) => Promise<void>]> = [];
  register(
    { event: (name: string, handler: (args: unknown) => Promise<void>) => registered.push([name, handler]) } as never,
    deps,
  );
  expect(registered.map(([name]) => name)).toEqual([EVENT.homeOpened]);
  // The registered handler is the Home tab's: it asks the runbook to draw the tab.
  await registered[0][1]({ event: { type: EVENT.homeOpened, user: 'U0IC', tab: 'home' } });
  expect(rec.calls).toEqual(['service.homeOpened']);
});
