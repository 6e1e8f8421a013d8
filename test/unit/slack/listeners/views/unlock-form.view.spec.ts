/** The Home tab's unlock form: no reason, or too long a one, is answered in the form; otherwise ack, then unlock. */
import { UNLOCK_ACTION, UNLOCK_BLOCK } from '../../../../../src/slack/blocks/home';
import { VIEW } from '../../../../../src/slack/ids';
import { unlockFormView } from '../../../../../src/slack/listeners/views/unlock-form.view';
import { boltArgs, fakeDeps, refused } from '../../../../support/listener-fakes';

const submission = (reason: string | null, metadata = JSON.stringify({ environment: 'production' })) => ({
  user: { id: 'U0IC' },
  view: {
    callback_id: VIEW.unlock,
    private_metadata: metadata,
    state: { values: { [UNLOCK_BLOCK.reason]: { [UNLOCK_ACTION.reason]: { value: reason } } } },
  },
});

describe('the unlock form', () => {
  it.each([
    [null, /Say why/],
    ['   ', /Say why/],
    ['x'.repeat(501), /under 500/],
  ])('answers a reason of %p in the form and unlocks nothing', async (reason, error) => {
    const { deps, rec } = fakeDeps(refused('x'));
    await unlockFormView(deps).handler(boltArgs(rec, submission(reason)));
    expect(rec.calls).toEqual(['ack']);
    expect(rec.args[0][0]).toMatchObject({
      response_action: 'errors',
      errors: { [UNLOCK_BLOCK.reason]: expect.stringMatching(error) },
    });
  });

  it('acks first, then unlocks the environment with the reason', async () => {
    const { deps, rec } = fakeDeps(refused('x'));
    await unlockFormView(deps).handler(boltArgs(rec, submission('  root cause fixed in #812 ')));
    expect(rec.calls).toEqual(['ack', 'service.unlockFromHome']);
    expect(rec.args[0]).toEqual([undefined]);
    expect(rec.args[1]).toEqual(['production', 'U0IC', 'root cause fixed in #812']);
  });

  it('hands a missing environment to the use case, which refuses it', async () => {
    const { deps, rec } = fakeDeps(refused('x'));
    await unlockFormView(deps).handler(boltArgs(rec, submission('why', 'not json')));
    expect(rec.args[1]).toEqual(['', 'U0IC', 'why']);
  });

  it('answers a malformed submission in the form', async () => {
    const { deps, rec } = fakeDeps(refused('x'));
    await unlockFormView(deps).handler(boltArgs(rec, { user: { id: 'U0IC' }, view: {} }));
    expect(rec.calls).toEqual(['ack']);
    expect(rec.args[0][0]).toMatchObject({ response_action: 'errors' });
  });
});
