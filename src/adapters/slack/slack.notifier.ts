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
import { SlackPacer } from './slack.pacer';

/** A 429 asking us to wait longer than this fails the call instead: an incident does not wait minutes for a card. */
export const MAX_RATE_LIMIT_WAIT_S = 10;
const RATE_LIMIT_ATTEMPTS = 3;

const slackErrorOf = (err: unknown): string | undefined => (err as { data?: { error?: string } }).data?.error;

interface CardEntry {
  latest: Rollback;
  drawn: number;
  cardJson: string;
  checklistJson: string;
  pending: Promise<void> | null;
}

/** The card, its thread and the channel, through the Slack Web API, within Slack's rate limits (SlackPacer). */
export class SlackNotifier implements Notifier {
  private readonly mentions: Mentions;
  private readonly budgets: Map<string, StepBudgets>;
  private readonly platformChannel: string | null;
  private readonly ticketTrackers: Set<string>;
  /**
   * Per rollback: the newest state seen, the version and content last drawn, and the draw in progress. Updates are
   * coalesced: while one is on its way, newer states only replace what the next draw shows.
   */
  private readonly cards = new Map<string, CardEntry>();
  /** Per rollback: the threaded lines, posted in order without holding up the rollback. */
  private readonly threads = new Map<string, Promise<void>>();
  /** Everything sent in the background, for drain(). */
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(
    private readonly client: WebClient,
    config: BotConfig,
    private readonly log: Log,
    private readonly secrets: readonly string[] = [],
    private readonly pacer: SlackPacer = new SlackPacer(),
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
    const post = async (card: CardMessage) => {
      await this.pacer.post(rollback.channel, true);
      return this.call('chat.postMessage', () => this.client.chat.postMessage({ channel: rollback.channel, ...this.redacted(card), unfurl_links: false }));
    };
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

  /**
   * Redraws the card (coalesced) and queues the threaded line; returns without waiting for Slack, so the pace Slack
   * allows never holds up a rollback. drain() waits for what is still on its way.
   */
  async progress(rollback: Rollback, event: RollbackEvent | ProgressNote): Promise<void> {
    const log = this.log.child({ rollbackId: rollback.id, event: event.type });
    if (!rollback.card) {
      log.warn({}, 'no card to update');
      return;
    }
    this.track(this.redraw(rollback, log));
    if (this.platformChannel && isToolingFailure(event)) this.track(this.tellPlatformTeam(rollback, log));
    const said = progressText(rollback, event, this.mentions);
    if (!said) return;
    // Every message of a dry run says so.
    const text = rollback.dryRun ? `*DRY RUN* — ${said}` : said;
    const card = rollback.card;
    const previous = this.threads.get(rollback.id) ?? Promise.resolve();
    const next = previous.then(async () => {
      await this.pacer.post(card.channel);
      try {
        await this.call('chat.postMessage', () => this.client.chat.postMessage({ channel: card.channel, thread_ts: card.ts, text: redactSecrets(text, this.secrets), unfurl_links: false }));
      } catch (err) {
        log.warn({ err }, 'could not post the thread update');
      }
    });
    this.threads.set(rollback.id, next);
    this.track(next.finally(() => this.threads.get(rollback.id) === next && this.threads.delete(rollback.id)));
  }

  /** Resolves when everything queued has been sent, or after `timeoutMs`. */
  async drain(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    const settled = (async () => {
      while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
    })();
    await Promise.race([settled, deadline]);
    clearTimeout(timer);
  }

  private track(p: Promise<unknown>): void {
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p));
  }

  /**
   * Card updates for one rollback go out one at a time, never draw an older state over a newer one (a slow update
   * for a refused click must not bring back the Approve button the runner already removed), and are coalesced: a
   * burst of changes becomes one update with the newest state. Unchanged content is not sent again.
   */
  private redraw(rollback: Rollback, log: Log): Promise<void> {
    if (!rollback.card) return Promise.resolve();
    let entry = this.cards.get(rollback.id);
    if (!entry) {
      entry = { latest: rollback, drawn: -1, cardJson: '', checklistJson: '', pending: null };
      this.cards.set(rollback.id, entry);
    }
    if (rollback.version > entry.latest.version) entry.latest = rollback;
    if (entry.pending) return entry.pending;
    const e = entry;
    const run = async () => {
      while (e.latest.version > e.drawn) {
        const r = e.latest;
        e.drawn = r.version;
        await this.drawCard(r, e, log);
      }
    };
    e.pending = run().finally(() => {
      e.pending = null;
      // A state that arrived just as the loop ended.
      if (e.latest.version > e.drawn) this.track(this.redraw(e.latest, log));
      // The entry is kept while the rollback moves; after it settles only checklist ticks redraw it, and a fresh
      // entry is as good.
      else if (isTerminal(e.latest.status) && e.latest.steps.complete.status !== 'running') this.cards.delete(e.latest.id);
    });
    return e.pending;
  }

  private async drawCard(rollback: Rollback, entry: CardEntry, log: Log): Promise<void> {
    const card = rollback.card as MessageRef;
    const update = async (m: CardMessage) => {
      await this.pacer.update();
      return this.call('chat.update', () => this.client.chat.update({ channel: card.channel, ts: card.ts, ...this.redacted(m) }));
    };
    const drawn = rollbackCard(rollback, this.budgets.get(rollback.environment));
    const json = JSON.stringify(drawn);
    if (json !== entry.cardJson) {
      try {
        await update(drawn);
        entry.cardJson = json;
      } catch (err) {
        log.warn({ err }, 'could not update the card');
        if (slackErrorOf((err as { cause?: unknown }).cause) === 'invalid_blocks') await update(minimalCard(rollback)).catch((e: unknown) => log.warn({ err: e }, 'the minimal card failed too'));
      }
    }
    const list = rollback.checklist.message;
    if (list) {
      const m = checklistMessage(rollback, { ticketTracker: this.ticketTrackers.has(rollback.environment) });
      const listJson = JSON.stringify(m);
      if (listJson === entry.checklistJson) return;
      await this.pacer.update();
      await this.call('chat.update', () => this.client.chat.update({ channel: list.channel, ts: list.ts, ...this.redacted(m) })).then(
        () => (entry.checklistJson = listJson),
        (err: unknown) => log.warn({ err }, 'could not update the checklist'),
      );
    }
  }

  async announce(rollback: Rollback, text: string): Promise<MessageRef> {
    // The runbook's announcements go before any threaded line waiting for the channel.
    await this.pacer.post(rollback.channel, true);
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
    await this.pacer.post(card.channel);
    const res = await this.call('chat.postMessage', () => this.client.chat.postMessage({ channel: card.channel, thread_ts: card.ts, ...this.redacted(m), unfurl_links: false }));
    return { channel: res.channel ?? card.channel, ts: res.ts as string };
  }

  async reportsAlert(a: { environment: string; channel: string; reporters: string[]; reports: string[]; windowMinutes: number }): Promise<void> {
    const m = reportsAlertMessage({ ...a, mentions: [this.mentions.onCall, this.mentions.incidentCommanders].filter(Boolean).join(' ') });
    await this.pacer.post(a.channel, true);
    await this.call('chat.postMessage', () => this.client.chat.postMessage({ channel: a.channel, ...this.redacted(m), unfurl_links: false }));
  }

  /** "Platform team: #platform-team Slack — infrastructure issues." A line in their channel, linking the card. */
  private async tellPlatformTeam(rollback: Rollback, log: Log): Promise<void> {
    const channel = this.platformChannel as string;
    const link = rollback.card ? `<https://slack.com/archives/${rollback.card.channel}/p${rollback.card.ts.replace('.', '')}|rollback ${rollback.id}>` : `rollback ${rollback.id}`;
    const text = `:construction: Tooling or infrastructure error during ${link} of *${rollback.environment}*: ${rollback.failure?.reason ?? 'see the thread'} ${this.mentions.platformTeam ?? ''}`;
    try {
      await this.pacer.post(channel);
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
