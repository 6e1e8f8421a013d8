import type { WebClient } from '@slack/web-api';
import type { BotConfig } from '../../config/config.schema';
import { isTerminal, type MessageRef, type Rollback, type RollbackEvent } from '../../domain/rollback.machine';
import type { Log, Notifier, ProgressNote } from '../../ports';
import { type CardMessage, minimalCard, rollbackCard, type StepBudgets } from '../../slack/blocks/card';
import { checklistMessage } from '../../slack/blocks/checklist';
import { reportsAlertMessage } from '../../slack/blocks/messages';
import { isToolingFailure, type Mentions, mentionsOf, progressText } from '../../slack/blocks/thread';
import { redactSecrets } from '../../domain/redact';
import { translateSlackError } from './slack-errors';

/** A 429 asking us to wait longer than this fails the call instead: an incident does not wait minutes for a card. */
export const MAX_RATE_LIMIT_WAIT_S = 10;
const RATE_LIMIT_ATTEMPTS = 3;

const slackErrorOf = (err: unknown): string | undefined => (err as { data?: { error?: string } }).data?.error;

/** The card, its thread and the channel, through the Slack Web API. */
export class SlackNotifier implements Notifier {
  private readonly mentions: Mentions;
  private readonly budgets: Map<string, StepBudgets>;
  private readonly platformChannel: string | null;
  private readonly ticketTrackers: Set<string>;
  /** Per rollback: the last state version drawn on the card, and the chain that keeps its updates in order. */
  private readonly cards = new Map<string, { drawn: number; chain: Promise<void> }>();

  constructor(
    private readonly client: WebClient,
    config: BotConfig,
    private readonly log: Log,
    private readonly secrets: readonly string[] = [],
  ) {
    this.mentions = {
      incidentCommanders: mentionsOf(config.roles.incident_commanders),
      onCall: mentionsOf(config.roles.on_call),
      dba: mentionsOf(config.roles.dba),
      platformTeam: mentionsOf(config.roles.platform_team),
    };
    this.platformChannel = config.roles.platform_team.channel ?? null;
    this.ticketTrackers = new Set(Object.entries(config.environments).flatMap(([name, env]) => (env.tickets ? [name] : [])));
    this.budgets = new Map(
      Object.entries(config.environments).map(([name, env]) => [
        name,
        { confirm: env.budgets.confirm_ms, announce: env.budgets.announce_ms, execute: env.budgets.execute_ms, verify: env.budgets.verify_ms },
      ]),
    );
  }

  async postCard(rollback: Rollback): Promise<MessageRef> {
    const post = (card: CardMessage) =>
      this.call('chat.postMessage', () => this.client.chat.postMessage({ channel: rollback.channel, ...this.redacted(card), unfurl_links: false }));
    let res;
    try {
      res = await post(rollbackCard(rollback, this.budgets.get(rollback.environment)));
    } catch (err) {
      if (slackErrorOf((err as { cause?: unknown }).cause) !== 'invalid_blocks') throw err;
      this.log.warn({ rollbackId: rollback.id, err }, 'Slack refused the card; posting the minimal one');
      res = await post(minimalCard(rollback));
    }
    return { channel: res.channel ?? rollback.channel, ts: res.ts as string };
  }

  async progress(rollback: Rollback, event: RollbackEvent | ProgressNote): Promise<void> {
    const log = this.log.child({ rollbackId: rollback.id, event: event.type });
    if (!rollback.card) {
      log.warn({}, 'no card to update');
      return;
    }
    await this.redraw(rollback, log);
    if (this.platformChannel && isToolingFailure(event)) await this.tellPlatformTeam(rollback, log);
    const said = progressText(rollback, event, this.mentions);
    if (!said) return;
    // Every message of a dry run says so.
    const text = rollback.dryRun ? `*DRY RUN* — ${said}` : said;
    const card = rollback.card;
    try {
      await this.call('chat.postMessage', () => this.client.chat.postMessage({ channel: card.channel, thread_ts: card.ts, text: redactSecrets(text, this.secrets), unfurl_links: false }));
    } catch (err) {
      log.warn({ err }, 'could not post the thread update');
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
      const update = (m: CardMessage) => this.call('chat.update', () => this.client.chat.update({ channel: card.channel, ts: card.ts, ...this.redacted(m) }));
      try {
        await update(rollbackCard(rollback, this.budgets.get(rollback.environment)));
      } catch (err) {
        log.warn({ err }, 'could not update the card');
        if (slackErrorOf((err as { cause?: unknown }).cause) === 'invalid_blocks') await update(minimalCard(rollback)).catch((e: unknown) => log.warn({ err: e }, 'the minimal card failed too'));
      }
      const list = rollback.checklist.message;
      if (list) {
        const m = checklistMessage(rollback, { ticketTracker: this.ticketTrackers.has(rollback.environment) });
        await this.call('chat.update', () => this.client.chat.update({ channel: list.channel, ts: list.ts, ...this.redacted(m) })).catch((err: unknown) =>
          log.warn({ err }, 'could not update the checklist'),
        );
      }
    });
    entry.chain = next;
    this.cards.set(rollback.id, entry);
    // The chain is kept while the rollback moves; after it settles only checklist ticks redraw it, and a fresh entry
    // (drawn = -1) is as good.
    if (isTerminal(rollback.status) && rollback.steps.complete.status !== 'running') void next.then(() => this.cards.delete(rollback.id));
    return next;
  }

  async announce(rollback: Rollback, text: string): Promise<MessageRef> {
    const res = await this.call('chat.postMessage', () => this.client.chat.postMessage({ channel: rollback.channel, text: redactSecrets(text, this.secrets), unfurl_links: false }));
    return { channel: res.channel ?? rollback.channel, ts: res.ts as string };
  }

  async schedule(channel: string, text: string, postAt: Date): Promise<void> {
    await this.call('chat.scheduleMessage', () =>
      this.client.chat.scheduleMessage({ channel, text: redactSecrets(text, this.secrets), post_at: Math.floor(postAt.getTime() / 1000) }),
    );
  }

  async postChecklist(rollback: Rollback): Promise<MessageRef> {
    const card = rollback.card;
    if (!card) throw new Error('the checklist goes in the card thread, and there is no card');
    const m = checklistMessage(rollback, { ticketTracker: this.ticketTrackers.has(rollback.environment) });
    const res = await this.call('chat.postMessage', () => this.client.chat.postMessage({ channel: card.channel, thread_ts: card.ts, ...this.redacted(m), unfurl_links: false }));
    return { channel: res.channel ?? card.channel, ts: res.ts as string };
  }

  async reportsAlert(a: { environment: string; channel: string; reporters: string[]; reports: string[]; windowMinutes: number }): Promise<void> {
    const m = reportsAlertMessage({ ...a, mentions: [this.mentions.onCall, this.mentions.incidentCommanders].filter(Boolean).join(' ') });
    await this.call('chat.postMessage', () => this.client.chat.postMessage({ channel: a.channel, ...this.redacted(m), unfurl_links: false }));
  }

  /** "Platform team: #platform-team Slack — infrastructure issues." A line in their channel, linking the card. */
  private async tellPlatformTeam(rollback: Rollback, log: Log): Promise<void> {
    const channel = this.platformChannel as string;
    const link = rollback.card ? `<https://slack.com/archives/${rollback.card.channel}/p${rollback.card.ts.replace('.', '')}|rollback ${rollback.id}>` : `rollback ${rollback.id}`;
    const text = `:construction: Tooling or infrastructure error during ${link} of *${rollback.environment}*: ${rollback.failure?.reason ?? 'see the thread'} ${this.mentions.platformTeam ?? ''}`;
    try {
      await this.call('chat.postMessage', () => this.client.chat.postMessage({ channel, text: redactSecrets(text, this.secrets), unfurl_links: false }));
    } catch (err) {
      log.warn({ err }, 'could not tell the platform team');
    }
  }

  /** The card with every secret taken out (a URL with a key in its query string, say). */
  private redacted(m: CardMessage): { text: string; blocks: never } {
    return { text: redactSecrets(m.text, this.secrets), blocks: JSON.parse(redactSecrets(JSON.stringify(m.blocks), this.secrets)) as never };
  }

  /** One Web API call: a short Retry-After is honoured (a few times), a long one fails; errors come out coded. */
  private async call<T>(method: string, fn: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        const e = err as { code?: string; retryAfter?: number };
        const wait = e.retryAfter ?? Number.POSITIVE_INFINITY;
        if (e.code === 'slack_webapi_rate_limited_error' && attempt < RATE_LIMIT_ATTEMPTS && wait <= MAX_RATE_LIMIT_WAIT_S) {
          this.log.info({ method, retryAfter: wait, attempt }, 'rate limited by Slack; waiting');
          await new Promise((r) => setTimeout(r, wait * 1000));
          continue;
        }
        throw translateSlackError(err, method);
      }
    }
  }
}
