import type { WebClient } from '@slack/web-api';
import type { BotConfig } from '../../config/config.schema';
import type { Reminder } from '../../domain/facts';
import type { Redactor } from '../../domain/redact';
import type { MessageRef, Rollback } from '../../domain/rollback';
import type { RollbackEvent } from '../../domain/rollback.events';
import type { AnnouncementStep, Audience, Log, Notifier, ProgressNote } from '../../ports';
import { announcementMrkdwn, platformTeamAlert, reminderText, reportsAlertMessage } from '../../slack/blocks/messages';
import { progressText } from '../../slack/blocks/thread';
import type { HomeDashboard } from '../../domain/home';
import { type CardPainterOptions, SlackCardPainter } from './slack.card-painter';
import { SlackHomePainter } from './slack.home-painter';
import { SlackPacer } from './slack.pacer';
import { SlackRoster } from './slack.roster';
import { isRefusal, SlackThreadWriter } from './slack.thread-writer';
import { SlackWebApi } from './slack.web-api';

export { REFUSAL_SUMMARY_MS } from './slack.thread-writer';
export type SlackNotifierOptions = CardPainterOptions;

/** The Slack message metadata type that marks the runbook's announcements, so a restart can find them. */
export const ANNOUNCEMENT_EVENT = 'rollback_announcement';

/** Nobody mentioned: what a caller that names no audience gets (the runbook always names one). */
const NOBODY: Audience = { teams: [] };

/**
 * The card, its thread and the channel, through the Slack Web API, within Slack's rate limits (SlackPacer). A facade:
 * the card painter draws the card and checklist, the thread writer posts the lines under it, the roster writes the
 * mentions of the audience the runbook chose, and the Web API client redacts, retries and translates errors.
 */
export class SlackNotifier implements Notifier {
  private readonly api: SlackWebApi;
  private readonly roster: SlackRoster;
  private readonly cards: SlackCardPainter;
  private readonly thread: SlackThreadWriter;
  private readonly homes: SlackHomePainter;
  /** Everything sent in the background, for drain(). */
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(
    client: WebClient,
    config: BotConfig,
    private readonly log: Log,
    secrets: readonly string[] | Redactor = [],
    private readonly pacer: SlackPacer = new SlackPacer(),
    /** The rollback as stored now: a card always ends on the newest stored state (see SlackCardPainter). */
    stored: (id: string) => Promise<Rollback | null> = async () => null,
    opts: SlackNotifierOptions = {},
  ) {
    const track = (p: Promise<unknown>) => this.track(p);
    this.api = new SlackWebApi(client, log, secrets);
    this.roster = new SlackRoster(config);
    this.cards = new SlackCardPainter(this.api, pacer, config, log, stored, track, opts);
    this.thread = new SlackThreadWriter(this.api, pacer, log, track);
    this.homes = new SlackHomePainter(this.api, pacer, log, track);
  }

  postCard(rollback: Rollback): Promise<MessageRef> {
    return this.cards.post(rollback);
  }

  postChecklist(rollback: Rollback): Promise<MessageRef> {
    return this.cards.postChecklist(rollback);
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
    // A refusal changes nothing on the card; the thread hears of it in a summary, not once per click or report.
    if (isRefusal(event)) return this.thread.refused(rollback, event);
    this.track(this.cards.redraw(rollback, log));
    if (this.roster.platformChannel && audience.platformChannel) this.track(this.tellPlatformTeam(rollback, log));
    const said = progressText(rollback, event, this.roster.mentions(rollback.environment, audience));
    if (!said) return;
    // Every message of a dry run says so. A deploy past the locked gate is also sent to the channel.
    const broadcast = event.type === 'Note' && event.fact.kind === 'hands_on_change' && event.fact.gated;
    this.thread.line(rollback, rollback.dryRun ? `*DRY RUN* — ${said}` : said, log, broadcast);
  }

  async announce(rollback: Rollback, text: string, step: AnnouncementStep): Promise<MessageRef> {
    // The runbook's announcements go before any threaded line waiting for the channel.
    await this.pacer.post(rollback.channel, true);
    return this.api.post(
      rollback.channel,
      { text: announcementMrkdwn(text) },
      // Read back by findAnnouncement after a restart: was it posted before the bot died?
      { metadata: { event_type: ANNOUNCEMENT_EVENT, event_payload: { rollback_id: rollback.id, step } } },
    );
  }

  async findAnnouncement(rollback: Rollback, step: AnnouncementStep, since: Date): Promise<MessageRef | null> {
    const sinceMs = since.getTime() - 1000;
    const found = await this.api.marked(
      rollback.channel,
      rollback.id,
      ANNOUNCEMENT_EVENT,
      sinceMs,
      (p) => p.step === step,
    );
    return found[0] ?? null;
  }

  async schedule(channel: string, reminder: Reminder, postAt: Date, audience: Audience = NOBODY): Promise<void> {
    await this.api.schedule(
      channel,
      reminderText(reminder, this.roster.mentions(reminder.environment, audience)),
      postAt,
    );
  }

  async reportsAlert(a: Parameters<Notifier['reportsAlert']>[0]): Promise<void> {
    const m = reportsAlertMessage({ ...a, mentions: this.roster.mentions(a.environment, a.audience) });
    await this.pacer.post(a.channel, true);
    await this.api.post(a.channel, m);
  }

  /** The Home tab the runbook computed, drawn and sent (coalesced per person, paced, best effort). */
  publishHome(home: HomeDashboard, urgent: boolean): Promise<void> {
    return this.homes.publish(home, urgent);
  }

  /** "Platform team: #platform-team Slack — infrastructure issues." A line in their channel, linking the card. */
  private async tellPlatformTeam(rollback: Rollback, log: Log): Promise<void> {
    const channel = this.roster.platformChannel as string;
    const mentions = this.roster.mentions(rollback.environment, { teams: ['platform_team'] });
    try {
      await this.pacer.post(channel);
      await this.api.post(channel, { text: platformTeamAlert(rollback, mentions) });
    } catch (err) {
      log.warn({ err }, 'could not tell the platform team');
    }
  }

  /** Resolves when everything queued has been sent, or after `timeoutMs`. */
  async drain(timeoutMs: number): Promise<void> {
    this.thread.flushAll();
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
}
