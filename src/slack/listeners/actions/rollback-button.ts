/**
 * What every button on a rollback's card and checklist does: ack at once, read the rollback id and the user from the
 * payload (zod), call the use case, and answer a refusal privately (escaped, redacted). A malformed payload is logged
 * and changes nothing.
 */
import { z } from 'zod';
import { describeError } from '../../../domain/errors';
import type { Outcome, RollbackService } from '../../../runbook/service';
import { plainEphemeral } from '../../blocks/messages';
import { afterAck, type ActionListener, type ListenerDeps, SLACK_USER_ID } from '../types';

export const buttonPayload = z.object({
  user: z.object({ id: z.string().regex(SLACK_USER_ID) }),
  actions: z.array(z.object({ action_id: z.string(), value: z.string().regex(/^rb-[a-z0-9]+$/) })).min(1),
});

export type ButtonCall = (
  service: RollbackService,
  rollbackId: string,
  userId: string,
  actionId: string,
) => Promise<Outcome>;

export function rollbackButton(deps: ListenerDeps, id: string | RegExp, call: ButtonCall): ActionListener {
  return {
    id,
    async handler({ ack, body, respond, context }) {
      await ack();
      if (!(await afterAck(context))) return;
      const payload = buttonPayload.safeParse(body);
      if (!payload.success) {
        deps.logger.warn({ action: String(id), issues: payload.error.issues }, 'malformed button payload');
        return;
      }
      const userId = payload.data.user.id;
      const { value: rollbackId, action_id: actionId } = payload.data.actions[0];
      const log = deps.logger.child({ rollbackId, userId, action: actionId });
      let outcome: Outcome;
      try {
        outcome = await call(deps.service, rollbackId, userId, actionId);
      } catch (err) {
        log.error({ err }, 'button handling failed');
        outcome = { kind: 'refused', message: `That did not work: ${describeError(err)}` };
      }
      if (outcome.kind === 'refused') {
        try {
          await respond({ ...plainEphemeral(deps.redact(outcome.message)), replace_original: false });
        } catch (err) {
          log.warn({ err }, 'could not tell the user why the button was refused');
        }
      }
    },
  };
}
