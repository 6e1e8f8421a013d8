import type { Middleware, SlackViewMiddlewareArgs } from '@slack/bolt';
import { z } from 'zod';
import { isValidVersion, MAX_REASON_LENGTH } from '../../../domain/names';
import { describeError } from '../../../domain/errors';
import { cardLink } from '../../blocks/messages';
import { esc } from '../../escape';
import { DRY_RUN_OPTION, MODAL_BLOCK } from '../../blocks/modal';
import { VIEW } from '../../ids';
import { afterAck, type ListenerDeps, SLACK_USER_ID } from '../types';

const submission = z.object({
  user: z.object({ id: z.string().regex(SLACK_USER_ID) }),
  view: z.object({
    private_metadata: z.string().default('{}'),
    state: z.object({
      values: z.object({
        [MODAL_BLOCK.environment]: z.object({
          value: z.object({ selected_option: z.object({ value: z.string() }).nullish() }),
        }),
        [MODAL_BLOCK.version]: z.object({ value: z.object({ value: z.string().nullish() }) }),
        [MODAL_BLOCK.reason]: z.object({ value: z.object({ value: z.string().nullish() }) }),
        [MODAL_BLOCK.options]: z
          .object({ value: z.object({ selected_options: z.array(z.object({ value: z.string() })).nullish() }) })
          .optional(),
      }),
    }),
  }),
});

/** The form's submission: invalid input is answered in the form (response_action: errors), never dropped. */
export const requestFormView = (deps: ListenerDeps): { id: string; handler: Middleware<SlackViewMiddlewareArgs> } => ({
  id: VIEW.request,
  handler: async ({ ack, body, client, context }) => {
    const parsed = submission.safeParse(body);
    if (!parsed.success) {
      await ack({
        response_action: 'errors',
        errors: { [MODAL_BLOCK.reason]: 'The form came back incomplete; please try again.' },
      });
      return;
    }
    const values = parsed.data.view.state.values;
    const environment = values[MODAL_BLOCK.environment].value.selected_option?.value ?? '';
    const version = (values[MODAL_BLOCK.version].value.value ?? '').trim();
    const reason = (values[MODAL_BLOCK.reason].value.value ?? '').trim();
    const dryRun = (values[MODAL_BLOCK.options]?.value.selected_options ?? []).some((o) => o.value === DRY_RUN_OPTION);
    const errors: Record<string, string> = {};
    const envProblem = environment ? await deps.service.precheck(environment) : 'Choose an environment.';
    if (envProblem) errors[MODAL_BLOCK.environment] = envProblem;
    if (version && !isValidVersion(version))
      errors[MODAL_BLOCK.version] = 'Use an image tag: letters, digits, . _ - (at most 128 characters).';
    if (!reason) errors[MODAL_BLOCK.reason] = 'Say why: it goes into the announcement.';
    else if (reason.length > MAX_REASON_LENGTH)
      errors[MODAL_BLOCK.reason] = `Keep it under ${MAX_REASON_LENGTH} characters.`;
    if (Object.keys(errors).length > 0) {
      await ack({ response_action: 'errors', errors });
      return;
    }
    await ack();
    if (!(await afterAck(context))) return;
    const userId = parsed.data.user.id;
    let channelId = '';
    try {
      channelId = (JSON.parse(parsed.data.view.private_metadata) as { channelId?: string }).channelId ?? '';
    } catch {
      // no channel recorded: the channel rule decides
    }
    const log = deps.logger.child({ userId, environment });
    let text: string;
    try {
      const outcome = await deps.service.request({
        environment,
        target: version || null,
        reason,
        userId,
        channelId,
        dryRun,
      });
      text =
        outcome.kind === 'ok'
          ? `${dryRun ? 'DRY RUN: ' : ''}Rollback \`${outcome.rollback.id}\` of *${environment}* requested: ${cardLink(outcome.rollback.card)}.`
          : `${esc(deps.redact(outcome.message))}${outcome.rollback ? ` (${cardLink(outcome.rollback.card)})` : outcome.channel ? ` <#${outcome.channel}>` : ''}`;
    } catch (err) {
      log.error({ err }, 'rollback request from the form failed');
      text = esc(deps.redact(`The rollback could not be started: ${describeError(err)}`));
    }
    // The form is closed; tell the user where things stand, privately, where they typed the command.
    await client.chat
      .postEphemeral({ channel: channelId, user: userId, text })
      .catch((err: unknown) => log.warn({ err }, 'could not answer the form'));
  },
});
