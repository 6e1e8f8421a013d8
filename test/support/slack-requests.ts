/** The playground's Slack wire format (signing, bodies), shared with the tests so both speak exactly as Slack does. */
import { VIEW } from '../../src/slack/ids';
import { viewSubmissionBody } from '../../playground/slack-wire';

export * from '../../playground/slack-wire';

/**
 * The rollback form submitted with two mistakes (a version that is not an image tag, no reason): the answer is the
 * form's validation errors, in the ack.
 */
export function invalidFormSubmission(userId: string, channelId: string): string {
  return viewSubmissionBody({
    userId,
    callbackId: VIEW.request,
    privateMetadata: JSON.stringify({ channelId }),
    values: {
      environment: { value: { type: 'static_select', selected_option: { value: 'production' } } },
      version: { value: { type: 'plain_text_input', value: 'v1;reboot' } },
      reason: { value: { type: 'plain_text_input', value: '' } },
    },
  });
}
