import type { Middleware, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { z } from 'zod';
import { parseCommand, USAGE } from '../../grammar';
import { describeError } from '../../../domain/errors';
import { mapStrings } from '../../../domain/redact';
import {
  cardLink,
  ephemeral,
  type EphemeralMessage,
  helpMessage,
  historyMessage,
  plainEphemeral,
  statusMessage,
  timelineMessage,
} from '../../blocks/messages';
import { unescapeSlack } from '../../escape';
import { rollbackModal } from '../../blocks/modal';
import { COMMAND } from '../../ids';
import { afterAck, type ListenerDeps, SLACK_USER_ID } from '../types';

const commandPayload = z.object({
  text: z.string().default(''),
  user_id: z.string().regex(SLACK_USER_ID),
  channel_id: z.string().min(1),
});

/** `/rollback …`: parsed by the grammar, never executed; ack first, then the use case, then a private answer. */
export const rollbackCommand = (
  deps: ListenerDeps,
): { id: string; handler: Middleware<SlackCommandMiddlewareArgs> } => ({
  id: COMMAND,
  handler: async ({ ack, command, respond, client, context }) => {
    await ack();
    if (!(await afterAck(context))) return;
    const log = deps.logger.child({ userId: command.user_id, channelId: command.channel_id });
    const reply = async (message: EphemeralMessage) => {
      try {
        await respond({
          ...message,
          text: deps.redact(message.text),
          // Each text of the blocks, not their JSON: a secret with a `"` in it reads differently inside JSON.
          ...(message.blocks ? { blocks: mapStrings(message.blocks, deps.redact) } : {}),
        });
      } catch (err) {
        log.warn({ err }, 'could not answer the slash command');
      }
    };
    const payload = commandPayload.safeParse(command);
    if (!payload.success) {
      log.warn({ issues: payload.error.issues }, 'malformed slash command payload');
      return reply(ephemeral('That request from Slack was incomplete; please try again.'));
    }
    const { user_id, channel_id } = payload.data;
    // Slack escapes &, < and > in the text: parse what the user typed; it is escaped again wherever it is shown.
    const parsed = parseCommand(unescapeSlack(payload.data.text));
    const viewer = { userId: user_id, channelId: channel_id };
    switch (parsed.kind) {
      case 'form': {
        const environments = Object.keys(deps.config.environments);
        const here =
          environments.find((e) => deps.config.environments[e].channel === channel_id) ??
          (environments.length === 1 ? environments[0] : null);
        // The trigger id lasts 3 s: the proposal gets one of them, then the form opens with or without it.
        const proposal = here
          ? await Promise.race([
              deps.service.proposalFor(here).catch(() => null),
              new Promise<null>((r) => setTimeout(r, 1000, null)),
            ])
          : null;
        try {
          await client.views.open({
            trigger_id: command.trigger_id,
            view: rollbackModal({ environments, initialEnvironment: here, proposal, channelId: channel_id }) as never,
          });
        } catch (err) {
          log.warn({ err }, 'could not open the rollback form');
          return reply(
            plainEphemeral(`The form could not be opened (${describeError(err)}). Use the text form:\n${USAGE}`),
          );
        }
        return;
      }
      case 'report': {
        const outcome = await deps.service.report({
          environment: parsed.environment,
          text: parsed.text,
          userId: user_id,
        });
        return reply(plainEphemeral(outcome.message));
      }
      case 'help':
        return reply(helpMessage(Object.keys(deps.config.environments)));
      case 'status':
        return reply(statusMessage(await deps.service.status()));
      case 'history':
        return reply(historyMessage(parsed.environment, await deps.service.history(parsed.environment, viewer)));
      case 'timeline': {
        const t = await deps.service.timeline(parsed.id, viewer);
        return reply(t.kind === 'ok' ? timelineMessage(t.markdown) : plainEphemeral(t.message));
      }
      case 'unlock': {
        const outcome = await deps.service.unlock(parsed.environment, user_id, parsed.reason);
        return reply(
          outcome.kind === 'ok'
            ? ephemeral(
                `Deploys of *${parsed.environment}* are allowed again: the mark of ${cardLink(outcome.rollback.card, outcome.rollback.id)} is cleared, and the deploy gate is open.`,
              )
            : plainEphemeral(outcome.message),
        );
      }
      case 'invalid':
        return reply(plainEphemeral(parsed.message));
      case 'rollback': {
        try {
          const outcome = await deps.service.request({ ...parsed, userId: user_id, channelId: channel_id });
          if (outcome.kind === 'refused') {
            const link = outcome.rollback
              ? ` (${cardLink(outcome.rollback.card)})`
              : outcome.channel
                ? ` <#${outcome.channel}>`
                : '';
            return reply(plainEphemeral(outcome.message, link));
          }
          const r = outcome.rollback;
          if (r.dryRun)
            return reply(
              ephemeral(
                `DRY RUN \`${r.id}\` of *${r.environment}*: Step 1 runs for real, then ${cardLink(r.card)} in <#${r.channel}> shows what Steps 2–5 would do. Nothing will change.`,
              ),
            );
          return reply(
            ephemeral(
              `Rollback \`${r.id}\` of *${r.environment}* requested: ${cardLink(r.card)} is in <#${r.channel}>. Step 1 is running; an incident commander approves it there.`,
            ),
          );
        } catch (err) {
          log.error({ err }, 'rollback request failed');
          return reply(plainEphemeral(`The rollback could not be started: ${describeError(err)}`));
        }
      }
    }
  },
});
