import type { MessageRef, Rollback } from '../../domain/rollback';
import type { RollbackEvent } from '../../domain/rollback.events';
import type { Log, ProgressNote } from '../../ports';
import { deployRefusalSummary, refusalSummary } from '../../slack/blocks/thread';
import type { SlackPacer } from './slack.pacer';
import type { SlackWebApi } from './slack.web-api';

/**
 * Refusals (clicks and requests turned away, deploys reported while locked) are summed up in the thread at most this
 * often per card: each click was answered privately at once, each deploy report got its 423, and a CI job retrying
 * against a locked environment must not fill the thread, nor the channel's one post a second, with one line per try.
 */
export const REFUSAL_SUMMARY_MS = 60_000;

export type Refusal = Extract<RollbackEvent, { type: 'ApprovalRefused' | 'RequestRefused' }>;
export type RefusedDeploy = ProgressNote & { fact: { kind: 'deploy_refused' } };

const isRefusedDeploy = (e: RollbackEvent | ProgressNote): e is RefusedDeploy =>
  e.type === 'Note' && e.fact.kind === 'deploy_refused';

/** Someone turned away, or a deploy refused by the gate: the thread hears of it in a summary, not once each. */
export const isRefusal = (e: RollbackEvent | ProgressNote): e is Refusal | RefusedDeploy =>
  e.type === 'ApprovalRefused' || e.type === 'RequestRefused' || isRefusedDeploy(e);

/**
 * The lines under each card: posted in order per rollback without holding up the rollback, within Slack's pace
 * (SlackPacer), and refusals summed up at most once a minute.
 */
export class SlackThreadWriter {
  /** Per rollback (and per rollback's background lines): the last line on its way. */
  private readonly threads = new Map<string, Promise<void>>();
  /**
   * Per rollback: refusals not yet summed up in the thread, and the timer of the minute since the last summary (the
   * entry goes when a minute passes with nothing to sum up).
   */
  private readonly refusals = new Map<
    string,
    { pending: Array<Refusal | RefusedDeploy>; timer: NodeJS.Timeout | null; rollback: Rollback }
  >();

  constructor(
    private readonly api: SlackWebApi,
    private readonly pacer: SlackPacer,
    private readonly log: Log,
    /** Called with everything sent in the background, so the notifier can drain it. */
    private readonly track: (p: Promise<unknown>) => void,
  ) {}

  /**
   * A threaded line under the card, in order, without holding up the rollback. Background lines (summaries of
   * refusals) keep an order of their own, so that one waiting for a turn never holds up the rollback's steps.
   */
  line(
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
        await this.api.post(card.channel, { text }, { thread_ts: card.ts, reply_broadcast: broadcast });
      } catch (err) {
        log.warn({ err }, 'could not post the thread update');
      }
    });
    this.threads.set(key, next);
    this.track(next.finally(() => this.threads.get(key) === next && this.threads.delete(key)));
  }

  /** The first refusal after a quiet minute is told at once; the ones after it wait for the minute's end. */
  refused(rollback: Rollback, event: Refusal | RefusedDeploy): void {
    let entry = this.refusals.get(rollback.id);
    if (!entry) {
      entry = { pending: [], timer: null, rollback };
      this.refusals.set(rollback.id, entry);
    }
    entry.rollback = rollback;
    entry.pending.push(event);
    if (!entry.timer) this.flushRefusals(rollback.id);
  }

  /** Sums up every refusal still waiting for its minute (before a stop). */
  flushAll(): void {
    for (const id of [...this.refusals.keys()]) this.flushRefusals(id);
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
    this.line(e.rollback, text, this.log.child({ rollbackId: id, event: 'refusals' }), false, 'background');
    e.timer = setTimeout(() => this.flushRefusals(id), REFUSAL_SUMMARY_MS);
    e.timer.unref();
  }
}
