/** "Evaluate, likely rollback": the button under the user-reports alert opens a rollback request, like the command. */
import { z } from 'zod';
import { environmentNamed } from '../../../config/config.schema';
import { ENVIRONMENT_PATTERN } from '../../../domain/names';
import { describeError } from '../../../domain/errors';
import type { Outcome } from '../../../runbook/service';
import { cardLink, ephemeral, plainEphemeral } from '../../blocks/messages';
import { ACTION } from '../../ids';
import { type ActionListener, afterAck, type ListenerDeps, SLACK_USER_ID } from '../types';

const reportsButton = z.object({
  user: z.object({ id: z.string().regex(SLACK_USER_ID) }),
  channel: z.object({ id: z.string().min(1) }).optional(),
  actions: z.array(z.object({ value: z.string().regex(ENVIRONMENT_PATTERN) })).min(1),
});

export const requestFromReportsAction = (deps: ListenerDeps): ActionListener => ({
  id: ACTION.requestFromReports,
  async handler({ ack, body, respond, context }) {
    await ack();
    if (!(await afterAck(context))) return;
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
  },
});
