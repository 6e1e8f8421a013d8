/** The Home tab's "Request a rollback": the rollback form, prefilled with the environment (and the bot's proposal). */
import { z } from 'zod';
import { environmentNamed } from '../../../config/config.schema';
import { ENVIRONMENT_PATTERN } from '../../../domain/names';
import { rollbackModal } from '../../blocks/modal';
import { ACTION } from '../../ids';
import { type ActionListener, type ListenerDeps, SLACK_USER_ID } from '../types';

const homeButton = z.object({
  user: z.object({ id: z.string().regex(SLACK_USER_ID) }),
  trigger_id: z.string().min(1),
  actions: z.array(z.object({ value: z.string().regex(ENVIRONMENT_PATTERN) })).min(1),
});

/** How long the proposal may take: the trigger id lasts 3 s, and the form must open within them. */
export const PROPOSAL_WAIT_MS = 1000;

export const homeRequestAction = (deps: ListenerDeps): ActionListener => ({
  id: ACTION.homeRequest,
  // No afterAck: the trigger id lasts 3 s, and a repeated click only opens the form again.
  async handler({ ack, body, client }) {
    await ack();
    const payload = homeButton.safeParse(body);
    if (!payload.success) {
      deps.logger.warn({ issues: payload.error.issues }, 'malformed Home tab button payload');
      return;
    }
    const environment = payload.data.actions[0].value;
    const env = environmentNamed(deps.config, environment);
    if (!env) return;
    const proposal = await Promise.race([
      deps.service.proposalFor(environment).catch(() => null),
      new Promise<null>((r) => setTimeout(r, PROPOSAL_WAIT_MS, null).unref()),
    ]);
    try {
      await client.views.open({
        trigger_id: payload.data.trigger_id,
        // The form's answer goes to the environment's channel: the Home tab has none.
        view: rollbackModal({
          environments: Object.keys(deps.config.environments),
          initialEnvironment: environment,
          proposal,
          channelId: env.channel,
        }) as never,
      });
    } catch (err) {
      deps.logger.warn({ err, environment }, 'could not open the rollback form from the Home tab');
    }
  },
});
