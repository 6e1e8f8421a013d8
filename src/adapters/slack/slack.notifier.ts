import type { WebClient } from '@slack/web-api';
import type { BotConfig } from '../../config/config.schema';
import { isTerminal, type MessageRef, type Rollback, type RollbackEvent } from '../../domain/rollback.machine';
import type { Log, Notifier, ProgressNote } from '../../ports';
import { rollbackCard } from '../../slack/blocks/card';
import { type Mentions, mentionsOf, progressText } from '../../slack/blocks/thread';
import { translateSlackError } from './slack-errors';

/** The card, its thread and the channel, through the Slack Web API. */
export class SlackNotifier implements Notifier {
  private readonly mentions: Mentions;
  /** Per rollback: the last state version drawn on the card, and the chain that keeps its updates in order. */
  private readonly cards = new Map<string, { drawn: number; chain: Promise<void> }>();

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
    await this.redraw(rollback, log);
    const text = progressText(rollback, event, this.mentions);
    if (!text) return;
    try {
      await this.client.chat.postMessage({ channel: rollback.card.channel, thread_ts: rollback.card.ts, text, unfurl_links: false });
    } catch (err) {
      const e = translateSlackError(err, 'chat.postMessage');
      log.warn({ err: e, code: e.code }, 'could not post the thread update');
    }
  }

  /**
   * Card updates for one rollback go out one at a time, and never draw an older state over a newer one (a slow
   * update for a refused click must not bring back the Approve button the runner already removed).
   */
  private redraw(rollback: Rollback, log: Log): Promise<void> {
    const card = rollback.card;
    if (!card) return Promise.resolve();
    const entry = this.cards.get(rollback.id) ?? { drawn: -1, chain: Promise.resolve() };
    const next = entry.chain.then(async () => {
      if (rollback.version < entry.drawn) return;
      entry.drawn = rollback.version;
      const { text, blocks } = rollbackCard(rollback);
      try {
        await this.client.chat.update({ channel: card.channel, ts: card.ts, text, blocks: blocks as never });
      } catch (err) {
        const e = translateSlackError(err, 'chat.update');
        log.warn({ err: e, code: e.code }, 'could not update the card');
      }
    });
    entry.chain = next;
    this.cards.set(rollback.id, entry);
    // Nothing redraws a card after its rollback has settled; forget it.
    if (isTerminal(rollback.status) && rollback.steps.complete.status !== 'running') void next.then(() => this.cards.delete(rollback.id));
    return next;
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
