import { ErrorCode as SlackErrorCode, type WebClient } from '@slack/web-api';
import type { BotConfig } from '../../config/config.schema';
import { isTerminal, type MessageRef, type Rollback, type RollbackEvent } from '../../domain/rollback.machine';
import type { AnnouncementStep, Audience, Log, Notifier, ProgressNote, Team } from '../../ports';
import {
  type CardMessage,
  duplicateCard,
  minimalCard,
  notStartedCard,
  rollbackCard,
  type StepBudgets,
} from '../../slack/blocks/card';
import { checklistMessage } from '../../slack/blocks/checklist';
import type { Reminder } from '../../domain/facts';
import {
  announcementMrkdwn,
  cardUrl,
  platformTeamAlert,
  reminderText,
  reportsAlertMessage,
} from '../../slack/blocks/messages';
import { deployRefusalSummary, type Mentions, progressText, refusalSummary } from '../../slack/blocks/thread';
import { mentionsOf } from '../../slack/mentions';
import { mapStrings, Redactor } from '../../domain/redact';
import { truncate } from '../../slack/blocks/limits';
import { translateSlackError } from './slack-errors';
import { SlackPacer } from './slack.pacer';

/** A 429 asking us to wait longer than this fails the call instead: an incident does not wait minutes for a card. */
export const MAX_RATE_LIMIT_WAIT_S = 10;
const RATE_LIMIT_ATTEMPTS = 3;

/**
 * The Slack error code behind one of our errors (`invalid_blocks`), if Slack gave one. Many errors have no Slack
 * cause (a renderer's own bug, a timeout): they must come out as themselves, not as a TypeError from looking.
 */
const slackErrorOf = (err: unknown): string | undefined =>
  (err as { cause?: { data?: { error?: unknown } } } | null | undefined)?.cause?.data?.error as string | undefined;

/**
 * Slack's text limits (a header 150, a button 75, a field 2000, a section 3000, a message 40,000, a confirm dialog's
 * 30/100/300): the builders fit each text under its own, and redaction can lengthen it again (`[redacted]` is longer
 * than a short secret), so a lengthened text is cut at the tightest limit its original length fitted.
 */
const TEXT_LIMITS = [24, 30, 75, 100, 150, 300, 2000, 3000, 40_000];

/**
 * Refusals (clicks and requests turned away, deploys reported while locked) are summed up in the thread at most this
 * often per card: each click was answered privately at once, each deploy report got its 423, and a CI job retrying
 * against a locked environment must not fill the thread, nor the channel's one post a second, with one line per try.
 */
export const REFUSAL_SUMMARY_MS = 60_000;
/** The Slack message metadata type that marks the runbook's announcements, so a restart can find them. */
export const ANNOUNCEMENT_EVENT = 'rollback_announcement';
/** The metadata type that marks a rollback's card, so a card whose post seemed to fail can be found. */
export const CARD_EVENT = 'rollback_card';
/**
 * After a card's post failed without Slack's answer, when to look for the card (ms after the failure): Slack may
 * have posted it, or may show it a moment later. Bounded: these looks, then no more.
 */
export const CARD_LOOKUPS_MS: readonly number[] = [1_000, 15_000];
/** How far before the post a lookup reads the channel's history (Slack's clock is not ours). */
const LOOKUP_MARGIN_S = 60;

/**
 * Whether Slack may have posted a message although the call failed: the answer was lost (a timeout, a dropped
 * connection) or was not Slack's own (an HTTP error from a proxy). Slack's own refusal and a 429 posted nothing.
 */
const answerLost = (err: unknown): boolean => {
  const code = (err as { cause?: { code?: string } }).cause?.code ?? (err as { code?: string }).code;
  return code === SlackErrorCode.RequestError || code === SlackErrorCode.HTTPError;
};

/**
 * A card post that took at least this long (ms, from the call to its answer) may have been tried more than once: the
 * Web client tries again after a lost answer (retryConfig in slack/app.ts waits at least 500 ms before its first
 * retry), and Slack may have kept the card of the try whose answer was lost.
 */
export const SLOW_CARD_MS = 500;

export interface SlackNotifierOptions {
  /** When to look for a card whose post failed without an answer (default CARD_LOOKUPS_MS). */
  cardLookupsMs?: readonly number[];
  /** A card post this slow is followed by looks for copies of it (default SLOW_CARD_MS). */
  slowCardMs?: number;
}

type Refusal = Extract<RollbackEvent, { type: 'ApprovalRefused' | 'RequestRefused' }>;
type RefusedDeploy = ProgressNote & { fact: { kind: 'deploy_refused' } };

const isRefusedDeploy = (e: RollbackEvent | ProgressNote): e is RefusedDeploy =>
  e.type === 'Note' && e.fact.kind === 'deploy_refused';

interface CardEntry {
  latest: Rollback;
  drawn: number;
  /** The status the card in Slack shows (null before the first update). */
  shownStatus: string | null;
  cardJson: string;
  checklistJson: string;
  pending: Promise<void> | null;
  /** The checklist's own update loop: it never holds up the card's. */
  listPending: Promise<void> | null;
}

/**
 * A card about to show a final state, or to ask for a click (Approve), is drawn before cards that show progress.
 * Once it shows that status, later changes (after-care details) are progress again.
 */
export const urgentCard = (r: Rollback, shownStatus: string | null = null): boolean =>
  (isTerminal(r.status) || r.status === 'awaiting_approval') && r.status !== shownStatus;

/** Nobody mentioned: what a caller that names no audience gets (the runbook always names one). */
const NOBODY: Audience = { teams: [] };

/** The card, its thread and the channel, through the Slack Web API, within Slack's rate limits (SlackPacer). */
export class SlackNotifier implements Notifier {
  /** How each role is mentioned, as configured (the incident commanders may differ per environment). */
  private readonly roster: Record<Team, string>;
  /** Incident commanders configured for one environment only, mentioned instead of the global ones there. */
  private readonly envCommanders: Map<string, string>;
  private readonly redactor: Redactor;
  /**
   * Per rollback: refusals not yet summed up in the thread, and the timer of the minute since the last summary (the
   * entry goes when a minute passes with nothing to sum up).
   */
  private readonly refusals = new Map<
    string,
    { pending: Array<Refusal | RefusedDeploy>; timer: NodeJS.Timeout | null; rollback: Rollback }
  >();
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
  private readonly cardLookupsMs: readonly number[];
  private readonly slowCardMs: number;

  constructor(
    private readonly client: WebClient,
    config: BotConfig,
    private readonly log: Log,
    secrets: readonly string[] | Redactor = [],
    private readonly pacer: SlackPacer = new SlackPacer(),
    /**
     * The rollback as stored now. With several replicas each draws the cards of what it did; Slack has no
     * compare-and-set on a message, so a replica draws the stored state when it is newer than its own, and looks
     * again after each draw: the card always ends on the newest stored state, never on an older one.
     */
    private readonly stored: (id: string) => Promise<Rollback | null> = async () => null,
    opts: SlackNotifierOptions = {},
  ) {
    this.cardLookupsMs = opts.cardLookupsMs ?? CARD_LOOKUPS_MS;
    this.slowCardMs = opts.slowCardMs ?? SLOW_CARD_MS;
    this.redactor = secrets instanceof Redactor ? secrets : new Redactor(secrets);
    this.envCommanders = new Map(
      Object.entries(config.environments).flatMap(([name, env]) =>
        env.incident_commanders ? [[name, mentionsOf(env.incident_commanders)]] : [],
      ),
    );
    this.roster = {
      incident_commanders: mentionsOf(config.roles.incident_commanders),
      on_call: mentionsOf(config.roles.on_call),
      dba: mentionsOf(config.roles.dba),
      platform_team: mentionsOf(config.roles.platform_team),
    };
    this.platformChannel = config.roles.platform_team.channel ?? null;
    this.ticketTrackers = new Set(
      Object.entries(config.environments).flatMap(([name, env]) => (env.tickets ? [name] : [])),
    );
    this.budgets = new Map(
      Object.entries(config.environments).map(([name, env]) => [
        name,
        {
          confirm: env.budgets.confirm_ms,
          announce: env.budgets.announce_ms,
          execute: env.budgets.execute_ms,
          verify: env.budgets.verify_ms,
        },
      ]),
    );
  }

  /**
   * Posts the card, marked with its rollback's id. Throws when it could not be posted; a card Slack posted although
   * its answer was lost is then found and marked not started, so no card stays live with Approve and Cancel for a
   * rollback that was never started. A post answered only after a retry may have left such a copy of an earlier try
   * beside the live card: it is found the same way and marked a duplicate pointing to the live one (markCopies).
   */
  async postCard(rollback: Rollback): Promise<MessageRef> {
    const since = Date.now();
    let called = since;
    const post = async (card: CardMessage) => {
      await this.pacer.post(rollback.channel, true);
      called = Date.now();
      return this.call('chat.postMessage', () =>
        this.client.chat.postMessage({
          channel: rollback.channel,
          ...this.redacted(card),
          unfurl_links: false,
          metadata: { event_type: CARD_EVENT, event_payload: { rollback_id: rollback.id } },
        }),
      ).catch((err: unknown) => {
        if (answerLost(err)) this.markCopies(rollback, since, null);
        throw err;
      });
    };
    let res;
    try {
      res = await post(rollbackCard(rollback, this.budgets.get(rollback.environment)));
    } catch (err) {
      if (slackErrorOf(err) !== 'invalid_blocks') throw err;
      this.log.warn({ rollbackId: rollback.id, err }, 'Slack refused the card; posting the minimal one');
      res = await post(minimalCard(rollback));
    }
    const live = { channel: res.channel ?? rollback.channel, ts: res.ts as string };
    if (Date.now() - called >= this.slowCardMs) this.markCopies(rollback, since, live);
    return live;
  }

  /**
   * Redraws the card (coalesced) and queues the threaded line; returns without waiting for Slack, so the pace Slack
   * allows never holds up a rollback. drain() waits for what is still on its way.
   */
  async progress(rollback: Rollback, event: RollbackEvent | ProgressNote, audience: Audience = NOBODY): Promise<void> {
    const log = this.log.child({ rollbackId: rollback.id, event: event.type });
    if (!rollback.card) {
      log.warn({}, 'no card to update');
      return;
    }
    // Someone turned away, or a deploy refused by the gate, changes nothing on the card; the thread hears of it in a
    // summary, not once per click or report.
    if (event.type === 'ApprovalRefused' || event.type === 'RequestRefused' || isRefusedDeploy(event)) {
      this.refused(rollback, event);
      return;
    }
    this.track(this.redraw(rollback, log));
    if (this.platformChannel && audience.platformChannel) this.track(this.tellPlatformTeam(rollback, log));
    const mentions = this.mentionsOf(rollback.environment, audience);
    const said = progressText(rollback, event, mentions);
    if (!said) return;
    // Every message of a dry run says so. A deploy past the locked gate is also sent to the channel.
    const broadcast = event.type === 'Note' && event.fact.kind === 'hands_on_change' && event.fact.gated;
    this.threadLine(rollback, rollback.dryRun ? `*DRY RUN* — ${said}` : said, log, broadcast);
  }

  /** The mentions of the audience the runbook's rules chose; the others are left empty. */
  private mentionsOf(environment: string, audience: Audience): Mentions {
    const who = (team: Team, mention: string) => (audience.teams.includes(team) ? mention : '');
    const user = (id: string | undefined) => (id ? `<@${id}>` : '');
    return {
      requester: user(audience.requester),
      actor: user(audience.actor),
      incidentCommanders: who(
        'incident_commanders',
        this.envCommanders.get(environment) ?? this.roster.incident_commanders,
      ),
      onCall: who('on_call', this.roster.on_call),
      dba: who('dba', this.roster.dba),
      platformTeam: who('platform_team', this.roster.platform_team),
    };
  }

  /** The first refusal after a quiet minute is told at once; the ones after it wait for the minute's end. */
  private refused(rollback: Rollback, event: Refusal | RefusedDeploy): void {
    let entry = this.refusals.get(rollback.id);
    if (!entry) {
      entry = { pending: [], timer: null, rollback };
      this.refusals.set(rollback.id, entry);
    }
    entry.rollback = rollback;
    entry.pending.push(event);
    if (!entry.timer) this.flushRefusals(rollback.id);
  }

  /** One line for everything refused since the last one; then a minute before the next. */
  private flushRefusals(id: string): void {
    const e = this.refusals.get(id);
    if (!e) return;
    if (e.timer) clearTimeout(e.timer);
    e.timer = null;
    if (e.pending.length === 0) {
      this.refusals.delete(id);
      return;
    }
    const deploys = e.pending.filter(isRefusedDeploy);
    const clicks = e.pending.filter((x): x is Refusal => !isRefusedDeploy(x));
    const text = [
      deploys.length > 0 ? deployRefusalSummary(deploys) : '',
      clicks.length > 0 ? refusalSummary(clicks) : '',
    ]
      .filter(Boolean)
      .join('\n\n');
    e.pending = [];
    // Background: it never goes before a rollback's steps waiting for the channel, this card's own included.
    this.threadLine(e.rollback, text, this.log.child({ rollbackId: id, event: 'refusals' }), false, 'background');
    e.timer = setTimeout(() => this.flushRefusals(id), REFUSAL_SUMMARY_MS);
    e.timer.unref();
  }

  /**
   * A threaded line under the card, in order, without holding up the rollback. Background lines (summaries of
   * refusals) keep an order of their own, so that one waiting for a turn never holds up the rollback's steps.
   */
  private threadLine(
    rollback: Rollback,
    text: string,
    log: Log,
    broadcast = false,
    pace: 'routine' | 'background' = 'routine',
  ): void {
    const card = rollback.card as MessageRef;
    const key = pace === 'background' ? `${rollback.id} background` : rollback.id;
    const previous = this.threads.get(key) ?? Promise.resolve();
    const next = previous.then(async () => {
      await this.pacer.post(card.channel, pace === 'background' ? 'background' : false);
      try {
        await this.call('chat.postMessage', () =>
          this.client.chat.postMessage({
            channel: card.channel,
            thread_ts: card.ts,
            text: this.clean(text),
            unfurl_links: false,
            reply_broadcast: broadcast,
          }),
        );
      } catch (err) {
        log.warn({ err }, 'could not post the thread update');
      }
    });
    this.threads.set(key, next);
    this.track(next.finally(() => this.threads.get(key) === next && this.threads.delete(key)));
  }

  /** Resolves when everything queued has been sent, or after `timeoutMs`. */
  async drain(timeoutMs: number): Promise<void> {
    for (const id of [...this.refusals.keys()]) this.flushRefusals(id);
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
   * for a refused click must not bring back the Approve button the runner already removed), and are coalesced: the
   * state drawn is the newest one when the update's turn comes (under Slack's Tier 3 limit a turn can be seconds
   * away), not the one that asked for it. Unchanged content is not sent again. A card showing a final state or
   * asking for a click goes before cards showing progress.
   */
  private redraw(rollback: Rollback, log: Log): Promise<void> {
    if (!rollback.card) return Promise.resolve();
    let entry = this.cards.get(rollback.id);
    if (!entry) {
      entry = {
        latest: rollback,
        drawn: -1,
        shownStatus: null,
        cardJson: '',
        checklistJson: '',
        pending: null,
        listPending: null,
      };
      this.cards.set(rollback.id, entry);
    }
    if (rollback.version > entry.latest.version) entry.latest = rollback;
    if (entry.pending) {
      // Its update may be waiting for a turn as a routine one: now it shows a final state, it goes first.
      if (urgentCard(entry.latest, entry.shownStatus)) this.pacer.reconsiderUpdates();
      return entry.pending;
    }
    const e = entry;
    const newer = async () => {
      const now = await this.stored(e.latest.id).catch(() => null);
      if (now && now.version > e.latest.version) e.latest = now;
    };
    const run = async () => {
      await newer();
      while (e.latest.version > e.drawn) {
        if (this.cardJsonOf(e.latest) !== e.cardJson) {
          await this.pacer.update(() => urgentCard(e.latest, e.shownStatus));
          // Another replica may have moved the rollback on while this one waited for its turn.
          await newer();
        }
        const r = e.latest;
        e.drawn = r.version;
        await this.drawCard(r, e, log);
        this.redrawChecklist(e, log);
        await newer();
      }
    };
    e.pending = run().finally(() => {
      e.pending = null;
      // A state that arrived just as the loop ended.
      if (e.latest.version > e.drawn) this.track(this.redraw(e.latest, log));
      else this.forgetIfSettled(e);
    });
    return e.pending;
  }

  private renderCard(rollback: Rollback): CardMessage {
    return rollbackCard(rollback, this.budgets.get(rollback.environment));
  }

  private cardJsonOf(rollback: Rollback): string {
    return JSON.stringify(this.renderCard(rollback));
  }

  /** Draws the card (its turn already taken, see redraw). */
  private async drawCard(rollback: Rollback, entry: CardEntry, log: Log): Promise<void> {
    const card = rollback.card as MessageRef;
    const update = (m: CardMessage) =>
      this.call('chat.update', () =>
        this.client.chat.update({ channel: card.channel, ts: card.ts, ...this.redacted(m) }),
      );
    const drawn = this.renderCard(rollback);
    const json = JSON.stringify(drawn);
    if (json !== entry.cardJson) {
      try {
        await update(drawn);
        entry.cardJson = json;
        entry.shownStatus = rollback.status;
      } catch (err) {
        log.warn({ err }, 'could not update the card');
        if (slackErrorOf(err) === 'invalid_blocks') {
          await this.pacer.update(true);
          await update(minimalCard(rollback)).catch((e: unknown) =>
            log.warn({ err: e }, 'the minimal card failed too'),
          );
        }
      }
    }
  }

  /**
   * The live checklist in the card's thread, redrawn in a loop of its own (coalesced, newest state when its turn
   * comes, routine pace) so that a checklist waiting for a turn never holds up the card.
   */
  private redrawChecklist(e: CardEntry, log: Log): void {
    if (e.listPending) return;
    const render = () => {
      const list = e.latest.checklist.message;
      if (!list) return null;
      const m = checklistMessage(e.latest, {
        ticketTracker: this.ticketTrackers.has(e.latest.environment),
      });
      const json = JSON.stringify(m);
      return json === e.checklistJson ? null : { list, m, json };
    };
    if (!render()) return;
    const run = async () => {
      while (render()) {
        await this.pacer.update();
        const next = render();
        if (!next) return;
        await this.call('chat.update', () =>
          this.client.chat.update({ channel: next.list.channel, ts: next.list.ts, ...this.redacted(next.m) }),
        ).then(
          () => (e.checklistJson = next.json),
          (err: unknown) => {
            // Tried again at the rollback's next change, not in a loop here.
            log.warn({ err }, 'could not update the checklist');
            return null;
          },
        );
        if (e.checklistJson !== next.json) return;
      }
    };
    e.listPending = run().finally(() => {
      e.listPending = null;
      this.forgetIfSettled(e);
    });
    this.track(e.listPending);
  }

  /**
   * The entry is kept while the rollback moves; after it settles only checklist ticks redraw it, and a fresh entry is
   * as good.
   */
  private forgetIfSettled(e: CardEntry): void {
    if (e.pending || e.listPending) return;
    if (isTerminal(e.latest.status) && e.latest.steps.complete.status !== 'running') this.cards.delete(e.latest.id);
  }

  async announce(rollback: Rollback, text: string, step: AnnouncementStep): Promise<MessageRef> {
    // The runbook's announcements go before any threaded line waiting for the channel.
    await this.pacer.post(rollback.channel, true);
    const res = await this.call('chat.postMessage', () =>
      this.client.chat.postMessage({
        channel: rollback.channel,
        text: this.clean(announcementMrkdwn(text)),
        unfurl_links: false,
        // Read back by findAnnouncement after a restart: was it posted before the bot died?
        metadata: { event_type: ANNOUNCEMENT_EVENT, event_payload: { rollback_id: rollback.id, step } },
      }),
    );
    return { channel: res.channel ?? rollback.channel, ts: res.ts as string };
  }

  async findAnnouncement(rollback: Rollback, step: AnnouncementStep, since: Date): Promise<MessageRef | null> {
    const found = await this.marked(rollback, ANNOUNCEMENT_EVENT, since.getTime() - 1000, (p) => p.step === step);
    return found[0] ?? null;
  }

  /**
   * The channel's messages since `sinceMs` that carry this rollback's metadata of `eventType` (one page: a bounded
   * read of a limited window).
   */
  private async marked(
    rollback: Rollback,
    eventType: string,
    sinceMs: number,
    match: (payload: Record<string, unknown>) => boolean = () => true,
  ): Promise<MessageRef[]> {
    const res = await this.call('conversations.history', () =>
      this.client.conversations.history({
        channel: rollback.channel,
        oldest: String(Math.floor(sinceMs / 1000)),
        include_all_metadata: true,
        limit: 200,
      }),
    );
    return (res.messages ?? []).flatMap((m) => {
      const meta = (m as { metadata?: { event_type?: string; event_payload?: Record<string, unknown> } }).metadata;
      const ours =
        meta?.event_type === eventType && meta.event_payload?.rollback_id === rollback.id && match(meta.event_payload);
      return ours && m.ts ? [{ channel: rollback.channel, ts: m.ts }] : [];
    });
  }

  /**
   * Copies of the card Slack kept from a try whose answer was lost (they may show up a moment later): looked for a
   * few times (CARD_LOOKUPS_MS) and each drawn with no buttons. With no `live` card the requester heard that nothing
   * was started, and each copy says so; otherwise every copy but the live one says it is a duplicate and links the
   * live card. The looks are not waited for by drain(): a bot stopping in between skips the rest.
   */
  private markCopies(rollback: Rollback, since: number, live: MessageRef | null): void {
    const log = this.log.child({ rollbackId: rollback.id, event: live ? 'duplicate_card' : 'late_card' });
    const done = new Set<string>(live ? [live.ts] : []);
    const marking = live ? duplicateCard(rollback, cardUrl(live)) : notStartedCard(rollback);
    const look = async () => {
      try {
        const cards = await this.marked(rollback, CARD_EVENT, since - LOOKUP_MARGIN_S * 1000);
        for (const card of cards.filter((c) => !done.has(c.ts))) {
          done.add(card.ts);
          await this.pacer.update(true);
          await this.call('chat.update', () =>
            this.client.chat.update({ channel: card.channel, ts: card.ts, ...this.redacted(marking) }),
          );
          log.warn(
            { ts: card.ts, liveTs: live?.ts ?? null },
            live
              ? 'Slack kept a copy of the card from a try whose answer was lost; marked it a duplicate of the live card'
              : 'Slack posted the card although its answer was lost; marked it not started',
          );
        }
      } catch (err) {
        log.warn({ err }, 'could not look for (or mark) a copy of the card Slack may have posted');
      }
    };
    for (const ms of this.cardLookupsMs) setTimeout(() => this.track(look()), ms).unref();
  }

  async schedule(channel: string, reminder: Reminder, postAt: Date, audience: Audience = NOBODY): Promise<void> {
    const text = reminderText(reminder, this.mentionsOf(reminder.environment, audience));
    await this.call('chat.scheduleMessage', () =>
      this.client.chat.scheduleMessage({
        channel,
        text: this.clean(text),
        post_at: Math.floor(postAt.getTime() / 1000),
      }),
    );
  }

  async postChecklist(rollback: Rollback): Promise<MessageRef> {
    const card = rollback.card;
    if (!card) throw new Error('the checklist goes in the card thread, and there is no card');
    const m = checklistMessage(rollback, {
      ticketTracker: this.ticketTrackers.has(rollback.environment),
    });
    // Part of posting the card (Step 1 starts once both are out): it goes with the card, not behind threaded lines.
    await this.pacer.post(card.channel, true);
    const res = await this.call('chat.postMessage', () =>
      this.client.chat.postMessage({
        channel: card.channel,
        thread_ts: card.ts,
        ...this.redacted(m),
        unfurl_links: false,
      }),
    );
    return { channel: res.channel ?? card.channel, ts: res.ts as string };
  }

  async reportsAlert(a: {
    environment: string;
    channel: string;
    reporters: string[];
    reports: string[];
    windowMinutes: number;
    audience: Audience;
  }): Promise<void> {
    const m = reportsAlertMessage({ ...a, mentions: this.mentionsOf(a.environment, a.audience) });
    await this.pacer.post(a.channel, true);
    await this.call('chat.postMessage', () =>
      this.client.chat.postMessage({ channel: a.channel, ...this.redacted(m), unfurl_links: false }),
    );
  }

  /** "Platform team: #platform-team Slack — infrastructure issues." A line in their channel, linking the card. */
  private async tellPlatformTeam(rollback: Rollback, log: Log): Promise<void> {
    const channel = this.platformChannel as string;
    const text = platformTeamAlert(rollback, this.mentionsOf(rollback.environment, { teams: ['platform_team'] }));
    try {
      await this.pacer.post(channel);
      await this.call('chat.postMessage', () =>
        this.client.chat.postMessage({ channel, text: this.clean(text), unfurl_links: false }),
      );
    } catch (err) {
      log.warn({ err }, 'could not tell the platform team');
    }
  }

  /**
   * A message as it leaves for Slack: every text in it (fallback and blocks) with the secrets taken out (a URL with a
   * key in its query string, a token pasted into a reason). The message is built from the rollback as it is; only
   * what is sent is redacted.
   */
  private redacted(m: CardMessage): { text: string; blocks: never } {
    return { text: this.clean(m.text), blocks: mapStrings(m.blocks, (t) => this.clean(t)) as never };
  }

  /** One outgoing text, redacted, and still within the Slack limit the builder fitted it to (TEXT_LIMITS). */
  private clean(text: string): string {
    const out = this.redactor.text(text);
    if (out.length <= text.length) return out;
    const limit = TEXT_LIMITS.find((l) => l >= text.length) ?? text.length;
    return out.length <= limit ? out : truncate(out, limit);
  }

  /** One Web API call: a short Retry-After is honoured (a few times), a long one fails; errors come out coded. */
  private async call<T>(method: string, fn: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        const e = err as { code?: string; retryAfter?: number };
        const wait = e.retryAfter ?? Number.POSITIVE_INFINITY;
        if (
          e.code === 'slack_webapi_rate_limited_error' &&
          attempt < RATE_LIMIT_ATTEMPTS &&
          wait <= MAX_RATE_LIMIT_WAIT_S
        ) {
          this.log.info({ method, retryAfter: wait, attempt }, 'rate limited by Slack; waiting');
          await new Promise((r) => setTimeout(r, wait * 1000));
          continue;
        }
        throw translateSlackError(err, method);
      }
    }
  }
}
