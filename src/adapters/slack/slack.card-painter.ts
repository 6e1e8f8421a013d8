import type { BotConfig } from '../../config/config.schema';
import { isTerminal, type MessageRef, type Rollback } from '../../domain/rollback';
import type { Log } from '../../ports';
import {
  type CardMessage,
  duplicateCard,
  minimalCard,
  notStartedCard,
  rollbackCard,
  type StepBudgets,
} from '../../slack/blocks/card';
import { checklistMessage } from '../../slack/blocks/checklist';
import { cardUrl } from '../../slack/blocks/messages';
import type { SlackPacer } from './slack.pacer';
import { answerLost, slackErrorOf, type SlackWebApi } from './slack.web-api';

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
 * A card post that took at least this long (ms, from the call to its answer) may have been tried more than once: the
 * Web client tries again after a lost answer (retryConfig in slack/app.ts waits at least 500 ms before its first
 * retry), and Slack may have kept the card of the try whose answer was lost.
 */
export const SLOW_CARD_MS = 500;

export interface CardPainterOptions {
  /** When to look for a card whose post failed without an answer (default CARD_LOOKUPS_MS). */
  cardLookupsMs?: readonly number[];
  /** A card post this slow is followed by looks for copies of it (default SLOW_CARD_MS). */
  slowCardMs?: number;
}

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

/**
 * The rollback's card and its live checklist: posted, then redrawn as the rollback moves, newest state last, with
 * the minimal card when Slack refuses the blocks, and copies of a card whose post seemed to fail marked as such.
 */
export class SlackCardPainter {
  private readonly budgets: Map<string, StepBudgets>;
  private readonly ticketTrackers: Set<string>;
  /**
   * Per rollback: the newest state seen, the version and content last drawn, and the draw in progress. Updates are
   * coalesced: while one is on its way, newer states only replace what the next draw shows.
   */
  private readonly cards = new Map<string, CardEntry>();
  private readonly cardLookupsMs: readonly number[];
  private readonly slowCardMs: number;

  constructor(
    private readonly api: SlackWebApi,
    private readonly pacer: SlackPacer,
    config: BotConfig,
    private readonly log: Log,
    /**
     * The rollback as stored now. With several replicas each draws the cards of what it did; Slack has no
     * compare-and-set on a message, so a replica draws the stored state when it is newer than its own, and looks
     * again after each draw: the card always ends on the newest stored state, never on an older one.
     */
    private readonly stored: (id: string) => Promise<Rollback | null>,
    /** Called with everything drawn in the background, so the notifier can drain it. */
    private readonly track: (p: Promise<unknown>) => void,
    opts: CardPainterOptions = {},
  ) {
    this.cardLookupsMs = opts.cardLookupsMs ?? CARD_LOOKUPS_MS;
    this.slowCardMs = opts.slowCardMs ?? SLOW_CARD_MS;
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
  async post(rollback: Rollback): Promise<MessageRef> {
    const since = Date.now();
    let called = since;
    const post = async (card: CardMessage) => {
      await this.pacer.post(rollback.channel, true);
      called = Date.now();
      return this.api
        .post(rollback.channel, card, {
          metadata: { event_type: CARD_EVENT, event_payload: { rollback_id: rollback.id } },
        })
        .catch((err: unknown) => {
          if (answerLost(err)) this.markCopies(rollback, since, null);
          throw err;
        });
    };
    let live;
    try {
      live = await post(this.render(rollback));
    } catch (err) {
      if (slackErrorOf(err) !== 'invalid_blocks') throw err;
      this.log.warn({ rollbackId: rollback.id, err }, 'Slack refused the card; posting the minimal one');
      live = await post(minimalCard(rollback));
    }
    if (Date.now() - called >= this.slowCardMs) this.markCopies(rollback, since, live);
    return live;
  }

  /** Posts the live checklist in the card's thread. */
  async postChecklist(rollback: Rollback): Promise<MessageRef> {
    const card = rollback.card;
    if (!card) throw new Error('the checklist goes in the card thread, and there is no card');
    const m = checklistMessage(rollback, { ticketTracker: this.ticketTrackers.has(rollback.environment) });
    // Part of posting the card (Step 1 starts once both are out): it goes with the card, not behind threaded lines.
    await this.pacer.post(card.channel, true);
    return this.api.post(card.channel, m, { thread_ts: card.ts });
  }

  /**
   * Card updates for one rollback go out one at a time, never draw an older state over a newer one (a slow update
   * for a refused click must not bring back the Approve button the runner already removed), and are coalesced: the
   * state drawn is the newest one when the update's turn comes (under Slack's Tier 3 limit a turn can be seconds
   * away), not the one that asked for it. Unchanged content is not sent again. A card showing a final state or
   * asking for a click goes before cards showing progress.
   */
  redraw(rollback: Rollback, log: Log): Promise<void> {
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
        if (JSON.stringify(this.render(e.latest)) !== e.cardJson) {
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

  private render(rollback: Rollback): CardMessage {
    return rollbackCard(rollback, this.budgets.get(rollback.environment));
  }

  /** Draws the card (its turn already taken, see redraw). */
  private async drawCard(rollback: Rollback, entry: CardEntry, log: Log): Promise<void> {
    const card = rollback.card as MessageRef;
    const drawn = this.render(rollback);
    const json = JSON.stringify(drawn);
    if (json !== entry.cardJson) {
      try {
        await this.api.update(card, drawn);
        entry.cardJson = json;
        entry.shownStatus = rollback.status;
      } catch (err) {
        log.warn({ err }, 'could not update the card');
        if (slackErrorOf(err) === 'invalid_blocks') {
          await this.pacer.update(true);
          await this.api
            .update(card, minimalCard(rollback))
            .catch((e: unknown) => log.warn({ err: e }, 'the minimal card failed too'));
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
      const m = checklistMessage(e.latest, { ticketTracker: this.ticketTrackers.has(e.latest.environment) });
      const json = JSON.stringify(m);
      return json === e.checklistJson ? null : { list, m, json };
    };
    if (!render()) return;
    const run = async () => {
      while (render()) {
        await this.pacer.update();
        const next = render();
        if (!next) return;
        await this.api.update(next.list, next.m).then(
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
        const cards = await this.api.marked(rollback.channel, rollback.id, CARD_EVENT, since - LOOKUP_MARGIN_S * 1000);
        for (const card of cards.filter((c) => !done.has(c.ts))) {
          done.add(card.ts);
          await this.pacer.update(true);
          await this.api.update(card, marking);
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
}
