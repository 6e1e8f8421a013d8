import type { App, BlockAction } from '@slack/bolt';
import { z } from 'zod';
import { describeError } from '../../../domain/errors';
import type { Outcome } from '../../../runbook/service';
import { ephemeral } from '../../blocks/messages';
import { ACTION } from '../../ids';
import type { ListenerDeps } from '../types';

const actionPayload = z.object({
  user: z.object({ id: z.string().min(1) }),
  actions: z.array(z.object({ action_id: z.string(), value: z.string().regex(/^rb-[a-z0-9]+$/) })).min(1),
});

export function register(app: App, deps: ListenerDeps): void {
  for (const [action, decide] of [
    [ACTION.approve, (id: string, user: string) => deps.service.approve(id, user)],
    [ACTION.cancel, (id: string, user: string) => deps.service.cancel(id, user)],
    [ACTION.ackNoCriterion, (id: string, user: string) => deps.service.acknowledge(id, user, 'no_criterion')],
    [ACTION.ackMigrations, (id: string, user: string) => deps.service.acknowledge(id, user, 'migrations')],
  ] as const) {
    app.action<BlockAction>(action, async ({ ack, body, respond }) => {
      await ack();
      const payload = actionPayload.safeParse(body);
      if (!payload.success) {
        deps.logger.warn({ action, issues: payload.error.issues }, 'malformed button payload');
        return;
      }
      const userId = payload.data.user.id;
      const rollbackId = payload.data.actions[0].value;
      const log = deps.logger.child({ rollbackId, userId, action });
      let outcome: Outcome;
      try {
        outcome = await decide(rollbackId, userId);
      } catch (err) {
        log.error({ err }, 'button handling failed');
        outcome = { kind: 'refused', message: `That did not work: ${describeError(err)}` };
      }
      if (outcome.kind === 'refused') {
        try {
          await respond({ ...ephemeral(outcome.message), replace_original: false });
        } catch (err) {
          log.warn({ err }, 'could not tell the user why the button was refused');
        }
      }
    });
  }
}
