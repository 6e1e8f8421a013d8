/** The forms' registry: the rollback request modal and the Home tab's Unlock modal, one listener each. */
import { register } from '../../../../../src/slack/listeners/views';
import { VIEW } from '../../../../../src/slack/ids';
import { fakeDeps } from '../../../../support/listener-fakes';
import { registeringApp } from '../../../../support/registering-app';

it('registers the request form and the unlock form by their callback ids', () => {
  const { deps } = fakeDeps({ kind: 'refused', message: 'x' });
  const { app, registered } = registeringApp();
  register(app, deps);
  expect(registered.map((r) => [r.kind, r.id])).toEqual([
    ['view', VIEW.request],
    ['view', VIEW.unlock],
  ]);
  expect(registered.every((r) => typeof r.handler === 'function')).toBe(true);
});
