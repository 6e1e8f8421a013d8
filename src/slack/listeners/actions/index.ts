import type { App, BlockAction } from '@slack/bolt';
import { z } from 'zod';
import { describeError } from '../../../domain/errors';
import type { Outcome } from '../../../runbook/service';
import { environmentNamed } from '../../../config/config.schema';
import { CHECKLIST, type ChecklistKey } from '../../../domain/checklist';
import { cardLink, ephemeral, plainEphemeral } from '../../blocks/messages';
import { ACTION } from '../../ids';
import { afterAck, type ListenerDeps, SLACK_USER_ID } from '../types';

const actionPayload = z.object({
  user: z.object({ id: z.string().regex(SLACK_USER_ID) }),
  actions: z.array(z.object({ action_id: z.string(), value: z.string().regex(/^rb-[a-z0-9]+$/) })).min(1),
});

const reportsButton = z.object({
  user: z.object({ id: z.string().regex(SLACK_USER_ID) }),
  channel: z.object({ id: z.string().min(1) }).optional(),
  actions: z.array(z.object({ value: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/) })).min(1),
});

const TICK = new RegExp(`^${ACTION.tick}:(${CHECKLIST.map((c) => c.key).join('|')})$`);

export function register(app: App, deps: ListenerDeps): void {
  // The checklist's buttons: the item is in the action id.
  app.action<BlockAction>(TICK, async ({ ack, body, respond }) => {
    await ack();
    await afterAck();
    const payload = actionPayload.safeParse(body);
    if (!payload.success) return;
    const item = TICK.exec(payload.data.actions[0].action_id)?.[1] as ChecklistKey;
    const outcome = await deps.service
      .tick(payload.data.actions[0].value, payload.data.user.id, item)
      .catch((err: unknown): Outcome => ({ kind: 'refused', message: `That did not work: ${describeError(err)}` }));
    if (outcome.kind === 'refused')
      await respond({ ...plainEphemeral(deps.redact(outcome.message)), replace_original: false }).catch(
        () => undefined,
      );
  });

  // "Evaluate, likely rollback": the button under the user-reports alert opens a rollback request, like the command.
  app.action<BlockAction>(ACTION.requestFromReports, async ({ ack, body, respond }) => {
    await ack();
    await afterAck();
    const payload = reportsButton.safeParse(body);
    if (!payload.success) return;
    const environment = payload.data.actions[0].value;
    const env = environmentNamed(deps.config, environment);
    const outcome = await deps.service
      .request({
        environment,
        target: null,
        reason: 'user reports: evaluate, likely rollback',
        userId: payload.data.user.id,
        channelId: payload.data.channel?.id ?? env?.channel ?? '',
      })
      .catch((err: unknown): Outcome => ({ kind: 'refused', message: `That did not work: ${describeError(err)}` }));
    const said =
      outcome.kind === 'ok'
        ? ephemeral(
            `Rollback \`${outcome.rollback.id}\` of *${environment}* requested: ${cardLink(outcome.rollback.card)}.`,
          )
        : plainEphemeral(deps.redact(outcome.message), outcome.rollback ? ` (${cardLink(outcome.rollback.card)})` : '');
    await respond({ ...said, replace_original: false }).catch((err: unknown) =>
      deps.logger.warn({ err }, 'could not answer the reports button'),
    );
  });

  for (const [action, decide] of [
    [ACTION.approve, (id: string, user: string) => deps.service.approve(id, user)],
    [ACTION.cancel, (id: string, user: string) => deps.service.cancel(id, user)],
    [ACTION.ackNoCriterion, (id: string, user: string) => deps.service.acknowledge(id, user, 'no_criterion')],
    [ACTION.ackMigrations, (id: string, user: string) => deps.service.acknowledge(id, user, 'migrations')],
    [ACTION.clearRootCause, (id: string, user: string) => deps.service.clearRootCause(id, user)],
    [ACTION.schedulePostmortem, (id: string, user: string) => deps.service.schedulePostmortem(id, user)],
    [ACTION.createTicket, (id: string, user: string) => deps.service.createTicket(id, user)],
    [ACTION.releaseLock, (id: string, user: string) => deps.service.releaseLock(id, user)],
  ] as const) {
    app.action<BlockAction>(action, async ({ ack, body, respond }) => {
      await ack();
      await afterAck();
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
          await respond({ ...plainEphemeral(deps.redact(outcome.message)), replace_original: false });
        } catch (err) {
          log.warn({ err }, 'could not tell the user why the button was refused');
        }
      }
    });
  }
}
