/**
 * Slack's rate limits, kept on our side so that many rollbacks at once never meet a 429:
 *   - chat.postMessage: about 1 message per second per channel, short bursts allowed;
 *   - chat.update: Tier 3, about 50 per minute for the workspace, occasional bursts allowed.
 * A token bucket per channel for posts and one for updates. Waiters are served in order, except that urgent calls
 * go first: the runbook's announcements before threaded progress lines, and a card update that shows a final state
 * or asks for a click (the Approve button) before one that shows progress. Routine calls leave part of each burst to
 * urgent ones, so twenty rollbacks ending at once still get their final cards drawn within seconds.
 */

export interface PacerLimits {
  /** Posts per second per channel, and how many may go at once after a quiet spell. */
  postsPerSecond: number;
  postBurst: number;
  /** Updates per minute (all channels), and the burst. */
  updatesPerMinute: number;
  updateBurst: number;
}

export const SLACK_LIMITS: PacerLimits = { postsPerSecond: 1, postBurst: 4, updatesPerMinute: 50, updateBurst: 12 };
/** Posts a channel keeps for the runbook's announcements. */
const URGENT_RESERVE = 2;
/** Of the update burst, routine updates may spend this much; the rest is kept for urgent ones. */
const ROUTINE_UPDATE_BURST = 2;

/** Whether a waiting call is urgent, asked each time the bucket serves (a call can become urgent while it waits). */
export type Urgency = boolean | (() => boolean);

/**
 * Slack's limits are per workspace (and per channel), not per process: `replicas` bots of one app each keep to their
 * share of the rates. Bursts are shared too, but each keeps room for the runbook's announcements.
 */
export function shareOf(limits: PacerLimits, replicas: number): PacerLimits {
  const n = Math.max(1, Math.floor(replicas));
  return {
    postsPerSecond: limits.postsPerSecond / n,
    postBurst: Math.max(URGENT_RESERVE + 1, Math.ceil(limits.postBurst / n)),
    updatesPerMinute: limits.updatesPerMinute / n,
    updateBurst: Math.max(1, Math.ceil(limits.updateBurst / n)),
  };
}

export class TokenBucket {
  private tokens: number;
  private last: number;
  private readonly waiters: Array<{ go: () => void; urgent: () => boolean }> = [];
  private timer: NodeJS.Timeout | undefined;

  /**
   * `reserve`: tokens routine calls leave for urgent ones, so an announcement goes out at once even right after a
   * run of threaded lines.
   */
  constructor(
    private readonly ratePerMs: number,
    private readonly burst: number,
    private readonly reserve = 0,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = burst;
    this.last = now();
  }

  /** Resolves when a call may go. */
  take(urgent: Urgency = false): Promise<void> {
    return new Promise((go) => {
      this.waiters.push({ go, urgent: typeof urgent === 'function' ? urgent : () => urgent });
      this.serve();
    });
  }

  get waiting(): number {
    return this.waiters.length;
  }

  /** Serves again now: a waiting call may have become urgent. */
  poke(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.serve();
  }

  private refill(): void {
    const now = this.now();
    this.tokens = Math.min(this.burst, this.tokens + (now - this.last) * this.ratePerMs);
    this.last = now;
  }

  private serve(): void {
    this.refill();
    let anyUrgent = false;
    for (;;) {
      const urgent = this.waiters.findIndex((w) => w.urgent());
      anyUrgent = urgent >= 0;
      if (urgent >= 0 && this.tokens >= 1) {
        this.tokens -= 1;
        this.waiters.splice(urgent, 1)[0].go();
      } else if (urgent < 0 && this.waiters.length > 0 && this.tokens >= 1 + this.reserve) {
        this.tokens -= 1;
        this.waiters.shift()?.go();
      } else break;
    }
    if (this.waiters.length > 0 && !this.timer) {
      const needed = (anyUrgent ? 1 : 1 + this.reserve) - this.tokens;
      this.timer = setTimeout(
        () => {
          this.timer = undefined;
          this.serve();
        },
        Math.max(1, Math.ceil(needed / this.ratePerMs)),
      );
    }
  }
}

export class SlackPacer {
  private readonly channels = new Map<string, TokenBucket>();
  private readonly updates: TokenBucket;

  constructor(private readonly limits: PacerLimits = SLACK_LIMITS) {
    this.updates = new TokenBucket(
      limits.updatesPerMinute / 60_000,
      limits.updateBurst,
      Math.max(0, limits.updateBurst - ROUTINE_UPDATE_BURST),
    );
  }

  /** Waits for the channel's turn to post. */
  post(channel: string, urgent: Urgency = false): Promise<void> {
    let bucket = this.channels.get(channel);
    if (!bucket) {
      bucket = new TokenBucket(
        this.limits.postsPerSecond / 1000,
        this.limits.postBurst,
        Math.min(URGENT_RESERVE, this.limits.postBurst - 1),
      );
      this.channels.set(channel, bucket);
    }
    return bucket.take(urgent);
  }

  /** Waits for the workspace's turn to update a message. */
  update(urgent: Urgency = false): Promise<void> {
    return this.updates.take(urgent);
  }

  /** An update already waiting may have become urgent (its rollback just ended): serve again. */
  reconsiderUpdates(): void {
    this.updates.poke();
  }
}
