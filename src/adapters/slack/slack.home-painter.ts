import type { HomeDashboard } from '../../domain/home';
import type { Log } from '../../ports';
import { homeView } from '../../slack/blocks/home';
import type { SlackPacer } from './slack.pacer';
import type { SlackWebApi } from './slack.web-api';

interface HomeEntry {
  /** The newest dashboard not drawn yet (null: nothing waits). */
  next: HomeDashboard | null;
  urgent: boolean;
  /** The draw in progress. */
  pending: Promise<void> | null;
}

/**
 * People's Home tabs, drawn as the card painter draws cards: coalesced per person (while one draw waits for its turn
 * or is on its way, a newer dashboard only replaces what the next draw shows), paced by views.publish's own bucket,
 * best effort (a failure is logged, never thrown).
 */
export class SlackHomePainter {
  private readonly homes = new Map<string, HomeEntry>();

  constructor(
    private readonly api: SlackWebApi,
    private readonly pacer: SlackPacer,
    private readonly log: Log,
    private readonly track: (p: Promise<unknown>) => void,
  ) {}

  /** Draws `home` soon; resolves when it (or a newer one for the same person) has been sent or has failed. */
  publish(home: HomeDashboard, urgent: boolean): Promise<void> {
    let entry = this.homes.get(home.userId);
    if (!entry) {
      entry = { next: null, urgent: false, pending: null };
      this.homes.set(home.userId, entry);
    }
    entry.next = home;
    entry.urgent = entry.urgent || urgent;
    return entry.pending ?? this.start(home.userId, entry);
  }

  private start(userId: string, e: HomeEntry): Promise<void> {
    e.pending = this.drain(userId, e).finally(() => {
      e.pending = null;
      // A dashboard that came in as the last draw ended is drawn too; otherwise the person is forgotten.
      if (e.next) void this.start(userId, e);
      else this.homes.delete(userId);
    });
    this.track(e.pending);
    return e.pending;
  }

  private async drain(userId: string, e: HomeEntry): Promise<void> {
    while (e.next) {
      await this.pacer.publish(() => e.urgent);
      const home = e.next;
      e.next = null;
      e.urgent = false;
      if (!home) continue;
      try {
        await this.api.publishView(userId, homeView(home));
      } catch (err) {
        this.log.warn({ err, userId }, 'could not draw the Home tab');
      }
    }
  }
}
