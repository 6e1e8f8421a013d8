/** The Home tab's paging buttons: another page of environments. */
import { z } from 'zod';
import { ACTION } from '../../ids';
import { afterAck, type ActionListener, type ListenerDeps, SLACK_USER_ID } from '../types';

const pageButton = z.object({
  user: z.object({ id: z.string().regex(SLACK_USER_ID) }),
  actions: z.array(z.object({ value: z.string().regex(/^\d{1,4}$/) })).min(1),
});

export const homePageAction = (deps: ListenerDeps): ActionListener => ({
  id: new RegExp(`^${ACTION.homePage}_(previous|next)$`),
  async handler({ ack, body, context }) {
    await ack();
    if (!(await afterAck(context))) return;
    const payload = pageButton.safeParse(body);
    if (!payload.success) {
      deps.logger.warn({ issues: payload.error.issues }, 'malformed Home tab page button');
      return;
    }
    try {
      await deps.service.homePage(payload.data.user.id, Number(payload.data.actions[0].value));
    } catch (err) {
      deps.logger.warn({ err }, 'could not draw the Home tab page');
    }
  },
});
