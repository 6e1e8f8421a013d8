/**
 * Slack's rate limits, kept on our side so that many rollbacks at once never meet a 429:
 *   - chat.postMessage: about 1 message per second per channel, short bursts allowed;
 *   - chat.update: Tier 3, about 50 per minute for the workspace, occasional bursts allowed.
 * A token bucket per channel for posts and one for updates. Waiters are served in order, except that urgent calls
 * (the runbook's announcements) go before routine ones (threaded progress lines).
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
  private readonly urgent: Array<() => void> = [];
  private readonly routine: Array<() => void> = [];
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
  take(urgent = false): Promise<void> {
    return new Promise((resolve) => {
      (urgent ? this.urgent : this.routine).push(resolve);
      this.serve();
    });
  }

  get waiting(): number {
    return this.urgent.length + this.routine.length;
  }

  private refill(): void {
    const now = this.now();
    this.tokens = Math.min(this.burst, this.tokens + (now - this.last) * this.ratePerMs);
    this.last = now;
  }

  private serve(): void {
    this.refill();
    for (;;) {
      if (this.urgent.length > 0 && this.tokens >= 1) {
        this.tokens -= 1;
        this.urgent.shift()?.();
      } else if (this.routine.length > 0 && this.tokens >= 1 + this.reserve) {
        this.tokens -= 1;
        this.routine.shift()?.();
      } else break;
    }
    if (this.waiting > 0 && !this.timer) {
      const needed = (this.urgent.length > 0 ? 1 : 1 + this.reserve) - this.tokens;
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
    this.updates = new TokenBucket(limits.updatesPerMinute / 60_000, limits.updateBurst);
  }

  /** Waits for the channel's turn to post. */
  post(channel: string, urgent = false): Promise<void> {
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
  update(): Promise<void> {
    return this.updates.take();
  }
}
