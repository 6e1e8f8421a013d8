/** The slash command's registry: one listener, for /rollback. */
import { register } from '../../../../../src/slack/listeners/commands';
import { COMMAND } from '../../../../../src/slack/ids';
import { boltArgs, fakeDeps } from '../../../../support/listener-fakes';
import { registeringApp } from '../../../../support/registering-app';

it('registers the /rollback command, whose handler acks and reaches the service', async () => {
  const { deps, rec } = fakeDeps({ kind: 'refused', message: 'x' });
  const { app, registered } = registeringApp();
  register(app, deps);
  expect(registered.map((r) => [r.kind, r.id])).toEqual([['command', COMMAND]]);
  const body = { user_id: 'U0IC', channel_id: 'C0INCIDENT', text: 'status', command: COMMAND, trigger_id: 't.1' };
  await (registered[0].handler as (a: unknown) => Promise<void>)(boltArgs(rec, body, { command: body }));
  expect(rec.calls[0]).toBe('ack');
  expect(rec.calls).toContain('service.status');
});
