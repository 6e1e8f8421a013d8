import type { Middleware, SlackViewMiddlewareArgs } from '@slack/bolt';
import { z } from 'zod';
import { MAX_REASON_LENGTH } from '../../../domain/names';
import { UNLOCK_ACTION, UNLOCK_BLOCK } from '../../blocks/home';
import { VIEW } from '../../ids';
import { afterAck, type ListenerDeps, SLACK_USER_ID } from '../types';

const submission = z.object({
  user: z.object({ id: z.string().regex(SLACK_USER_ID) }),
  view: z.object({
    private_metadata: z.string().default('{}'),
    state: z.object({
      values: z.object({
        [UNLOCK_BLOCK.reason]: z.object({ [UNLOCK_ACTION.reason]: z.object({ value: z.string().nullish() }) }),
      }),
    }),
  }),
});

/**
 * The Home tab's unlock form, submitted: a missing or long reason is answered in the form; otherwise the form
 * closes, and the unlock (`/rollback unlock`'s use case: incident commanders only, the reason in the timeline) says
 * its outcome at the top of the person's Home tab.
 */
export const unlockFormView = (deps: ListenerDeps): { id: string; handler: Middleware<SlackViewMiddlewareArgs> } => ({
  id: VIEW.unlock,
  handler: async ({ ack, body, context }) => {
    const parsed = submission.safeParse(body);
    if (!parsed.success) {
      await ack({
        response_action: 'errors',
        errors: { [UNLOCK_BLOCK.reason]: 'The form came back incomplete; please try again.' },
      });
      return;
    }
    const reason = (parsed.data.view.state.values[UNLOCK_BLOCK.reason][UNLOCK_ACTION.reason].value ?? '').trim();
    const problem = !reason
      ? 'Say why deploys may go ahead again: it goes in the timeline.'
      : reason.length > MAX_REASON_LENGTH
        ? `Keep it under ${MAX_REASON_LENGTH} characters.`
        : null;
    if (problem) {
      await ack({ response_action: 'errors', errors: { [UNLOCK_BLOCK.reason]: problem } });
      return;
    }
    await ack();
    if (!(await afterAck(context))) return;
    let environment = '';
    try {
      environment = String(
        (JSON.parse(parsed.data.view.private_metadata) as { environment?: unknown }).environment ?? '',
      );
    } catch {
      // no environment recorded: the use case says so
    }
    const userId = parsed.data.user.id;
    try {
      await deps.service.unlockFromHome(environment, userId, reason);
    } catch (err) {
      deps.logger.error({ err, userId, environment }, 'unlock from the Home tab failed');
    }
  },
});
