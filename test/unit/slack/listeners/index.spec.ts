/** Every listener registered once, in one place: the command, each button, and the form. */
import { registerListeners } from '../../../../src/slack/listeners';
import { ACTION_LISTENERS } from '../../../../src/slack/listeners/actions';
import { COMMAND, EVENT, VIEW } from '../../../../src/slack/ids';
import { fakeDeps } from '../../../support/listener-fakes';
import { registeringApp } from '../../../support/registering-app';

it('registers the command, every action listener, the forms and the Home tab event, each once', () => {
  const { deps } = fakeDeps({ kind: 'refused', message: 'x' });
  const { app, registered } = registeringApp();
  registerListeners(app, deps);
  const of = (kind: string) => registered.filter((r) => r.kind === kind).map((r) => String(r.id));
  expect(of('command')).toEqual([COMMAND]);
  expect(of('view')).toEqual([VIEW.request, VIEW.unlock]);
  expect(of('event')).toEqual([EVENT.homeOpened]);
  const actions = of('action');
  expect(actions).toHaveLength(ACTION_LISTENERS.length);
  expect(new Set(actions).size).toBe(actions.length);
});
