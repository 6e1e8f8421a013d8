import type { WebClient } from '@slack/web-api';
import type { BotConfig } from '../../config/config.schema';
import type { MessageRef, Rollback, RollbackEvent } from '../../domain/rollback.machine';
import type { Log, Notifier, ProgressNote } from '../../ports';
import { rollbackCard } from '../../slack/blocks/card';
import { type Mentions, mentionsOf, progressText } from '../../slack/blocks/thread';
import { translateSlackError } from './slack-errors';

/** The card, its thread and the channel, through the Slack Web API. */
export class SlackNotifier implements Notifier {
  private readonly mentions: Mentions;

  constructor(
    private readonly client: WebClient,
    config: BotConfig,
    private readonly log: Log,
  ) {
    this.mentions = { incidentCommanders: mentionsOf(config.roles.incident_commanders), onCall: mentionsOf(config.roles.on_call) };
  }

  async postCard(rollback: Rollback): Promise<MessageRef> {
    const card = rollbackCard(rollback);
    try {
      const res = await this.client.chat.postMessage({ channel: rollback.channel, text: card.text, blocks: card.blocks as never, unfurl_links: false });
      return { channel: res.channel ?? rollback.channel, ts: res.ts as string };
    } catch (err) {
      throw translateSlackError(err, 'chat.postMessage');
    }
  }

  async progress(rollback: Rollback, event: RollbackEvent | ProgressNote): Promise<void> {
    const log = this.log.child({ rollbackId: rollback.id, event: event.type });
    if (!rollback.card) {
      log.warn({}, 'no card to update');
      return;
    }
    const card = rollbackCard(rollback);
    try {
      await this.client.chat.update({ channel: rollback.card.channel, ts: rollback.card.ts, text: card.text, blocks: card.blocks as never });
    } catch (err) {
      const e = translateSlackError(err, 'chat.update');
      log.warn({ err: e, code: e.code }, 'could not update the card');
    }
    const text = progressText(rollback, event, this.mentions);
    if (!text) return;
    try {
      await this.client.chat.postMessage({ channel: rollback.card.channel, thread_ts: rollback.card.ts, text, unfurl_links: false });
    } catch (err) {
      const e = translateSlackError(err, 'chat.postMessage');
      log.warn({ err: e, code: e.code }, 'could not post the thread update');
    }
  }

  async announce(rollback: Rollback, text: string): Promise<MessageRef> {
    try {
      const res = await this.client.chat.postMessage({ channel: rollback.channel, text, unfurl_links: false });
      return { channel: res.channel ?? rollback.channel, ts: res.ts as string };
    } catch (err) {
      throw translateSlackError(err, 'chat.postMessage');
    }
  }
}
