/** The Home tab's "Unlock": a modal asks for the reason (the unlock itself is the view's, and an incident commander's). */
import { z } from 'zod';
import { environmentNamed } from '../../../config/config.schema';
import { ENVIRONMENT_PATTERN } from '../../../domain/names';
import { unlockModal } from '../../blocks/home';
import { ACTION } from '../../ids';
import { type ActionListener, type ListenerDeps, SLACK_USER_ID } from '../types';

const unlockButton = z.object({
  user: z.object({ id: z.string().regex(SLACK_USER_ID) }),
  trigger_id: z.string().min(1),
  actions: z.array(z.object({ value: z.string().regex(ENVIRONMENT_PATTERN) })).min(1),
});

export const homeUnlockAction = (deps: ListenerDeps): ActionListener => ({
  id: ACTION.homeUnlock,
  async handler({ ack, body, client }) {
    await ack();
    const payload = unlockButton.safeParse(body);
    if (!payload.success) {
      deps.logger.warn({ issues: payload.error.issues }, 'malformed Home tab button payload');
      return;
    }
    const environment = payload.data.actions[0].value;
    if (!environmentNamed(deps.config, environment)) return;
    try {
      await client.views.open({ trigger_id: payload.data.trigger_id, view: unlockModal(environment) as never });
    } catch (err) {
      deps.logger.warn({ err, environment }, 'could not open the unlock form');
    }
  },
});
