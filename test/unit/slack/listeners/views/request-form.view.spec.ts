/** The form: bad input is answered in the form (nothing happens); good input is acked, then requested. */
import { MODAL_BLOCK } from '../../../../../src/slack/blocks/modal';
import { requestFormView } from '../../../../../src/slack/listeners/views/request-form.view';
import { boltArgs, fakeDeps, refused } from '../../../../support/listener-fakes';

const submission = (environment: string | null, version: string, reason: string, user = 'U0ONCALL') => ({
  user: { id: user },
  view: {
    private_metadata: JSON.stringify({ channelId: 'C0INCIDENT' }),
    state: {
      values: {
        [MODAL_BLOCK.environment]: { value: { selected_option: environment ? { value: environment } : null } },
        [MODAL_BLOCK.version]: { value: { value: version } },
        [MODAL_BLOCK.reason]: { value: { value: reason } },
      },
    },
  },
});

describe('the rollback form', () => {
  it('answers invalid fields in the form and requests nothing', async () => {
    const { deps, rec } = fakeDeps(refused('x'));
    await requestFormView(deps).handler(boltArgs(rec, submission(null, 'v1;rm', ''), { client: {} }));
    // No environment chosen: nothing to check, nothing requested.
    expect(rec.calls).toEqual(['ack']);
    expect(rec.args.at(-1)?.[0]).toMatchObject({
      response_action: 'errors',
      errors: {
        [MODAL_BLOCK.environment]: 'Choose an environment.',
        [MODAL_BLOCK.reason]: expect.any(String),
        [MODAL_BLOCK.version]: expect.any(String),
      },
    });
  });

  it('acks a good form, requests the rollback, and tells the user privately (escaped)', async () => {
    const { deps, rec } = fakeDeps(refused('busy <now>'));
    const posted: unknown[] = [];
    const client = { chat: { postEphemeral: async (m: unknown) => void posted.push(m) } };
    await requestFormView(deps).handler(boltArgs(rec, submission('production', 'v1', '<!here> errors'), { client }));
    expect(rec.calls).toEqual(['service.precheck', 'ack', 'service.request']);
    expect(rec.args[2][0]).toMatchObject({
      environment: 'production',
      target: 'v1',
      reason: '<!here> errors',
      userId: 'U0ONCALL',
      channelId: 'C0INCIDENT',
    });
    expect(posted).toEqual([{ channel: 'C0INCIDENT', user: 'U0ONCALL', text: 'busy &lt;now&gt;' }]);
  });
});
