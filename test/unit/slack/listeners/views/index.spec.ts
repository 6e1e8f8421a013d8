/** The form's registry: one listener, for the rollback request modal. */
import { register } from '../../../../../src/slack/listeners/views';
import { VIEW } from '../../../../../src/slack/ids';
import { fakeDeps } from '../../../../support/listener-fakes';
import { registeringApp } from '../../../../support/registering-app';

it('registers the rollback request form by its callback id', () => {
  const { deps } = fakeDeps({ kind: 'refused', message: 'x' });
  const { app, registered } = registeringApp();
  register(app, deps);
  expect(registered.map((r) => [r.kind, r.id])).toEqual([['view', VIEW.request]]);
  expect(typeof registered[0].handler).toBe('function');
});
