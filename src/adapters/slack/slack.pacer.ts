/**
 * Slack's rate limits, kept on our side so that many rollbacks at once never meet a 429:
 *   - chat.postMessage: about 1 message per second per channel, short bursts allowed;
 *   - chat.update: Tier 3, about 50 per minute for the workspace, occasional bursts allowed;
 *   - views.publish (the Home tab): Tier 4, about 100 per minute for the workspace.
 * A token bucket per channel for posts and one for updates. Waiters are served in order, except that urgent calls
 * go first: the runbook's announcements before threaded progress lines, and a card update that shows a final state
 * or asks for a click (the Approve button) before one that shows progress. Background calls (the summaries of refused
 * deploys and clicks) go last, so noise never holds up a rollback's steps. Routine and background calls leave part of
 * each burst to urgent ones, so twenty rollbacks ending at once still get their final cards drawn within seconds.
 */

export interface PacerLimits {
  /** Posts per second per channel, and how many may go at once after a quiet spell. */
  postsPerSecond: number;
  postBurst: number;
  /** Updates per minute (all channels), and the burst. */
  updatesPerMinute: number;
  updateBurst: number;
  /** Home tabs drawn per minute (all users), and the burst (defaults: PUBLISH_LIMITS). */
  publishesPerMinute?: number;
  publishBurst?: number;
}

/** views.publish is Tier 4 (100+ per minute); a burst of 10 leaves room for cards and lines in the same minute. */
export const PUBLISH_LIMITS = { publishesPerMinute: 100, publishBurst: 10 } as const;

export const SLACK_LIMITS: PacerLimits = {
  postsPerSecond: 1,
  postBurst: 4,
  updatesPerMinute: 50,
  updateBurst: 12,
  ...PUBLISH_LIMITS,
};
/** Posts a channel keeps for the runbook's announcements. */
const URGENT_RESERVE = 2;
/** Of the update burst, routine updates may spend this much; the rest is kept for urgent ones. */
const ROUTINE_UPDATE_BURST = 2;

/**
 * How soon a waiting call goes: urgent (true), routine (false) or 'background' (only when nothing else waits). A
 * function is asked each time the bucket serves (a call can become urgent while it waits).
 */
export type Urgency = boolean | 'background' | (() => boolean);

const URGENT = 0;
const ROUTINE = 1;
const BACKGROUND = 2;

/** A call waiting for its turn. */
interface Waiter {
  go: () => void;
  /** URGENT, ROUTINE or BACKGROUND, asked when the bucket serves. */
  rank: () => number;
  urgency: Urgency;
}

const waiter = (go: () => void, urgency: Urgency): Waiter => ({
  go,
  urgency,
  rank:
    typeof urgency === 'function'
      ? () => (urgency() ? URGENT : ROUTINE)
      : () => (urgency === 'background' ? BACKGROUND : urgency ? URGENT : ROUTINE),
});

/** The waiter to serve next: the first of the most pressing rank (first come, first served within a rank). */
function nextOf(waiters: readonly Waiter[]): { index: number; urgent: boolean } {
  let index = -1;
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < waiters.length && best > URGENT; i++) {
    const rank = waiters[i].rank();
    if (rank < best) [index, best] = [i, rank];
  }
  return { index, urgent: best === URGENT };
}

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
    publishesPerMinute: (limits.publishesPerMinute ?? PUBLISH_LIMITS.publishesPerMinute) / n,
    publishBurst: Math.max(1, Math.ceil((limits.publishBurst ?? PUBLISH_LIMITS.publishBurst) / n)),
  };
}

export class TokenBucket {
  private tokens: number;
  private last: number;
  private readonly waiters: Waiter[] = [];
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
      this.waiters.push(waiter(go, urgent));
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
      const next = nextOf(this.waiters);
      anyUrgent = next.urgent;
      if (next.index < 0 || this.tokens < (next.urgent ? 1 : 1 + this.reserve)) break;
      this.tokens -= 1;
      this.waiters.splice(next.index, 1)[0].go();
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

/** A token bucket kept where every replica sees it (the store): a token is taken, or the answer says how long to wait. */
export interface SharedTokens {
  takeToken(
    name: string,
    floor: number,
    ratePerMs: number,
    burst: number,
  ): Promise<{ taken: true } | { taken: false; waitMs: number }>;
}

/** How long a replica waits at most before asking the shared bucket again (another replica may have waited less). */
const SHARED_RECHECK_MS = 1000;

/**
 * The workspace's bucket, shared by every replica through the store: this replica's waiters are served in the same
 * order as a local bucket's (urgent first, routine calls leave the reserve), one request to the store at a time. If
 * the store does not answer, the call waits on `fallback` (this replica's fixed share) instead of not going at all.
 */
export class SharedTokenBucket {
  private readonly waiters: Waiter[] = [];
  private busy = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly name: string,
    private readonly ratePerMs: number,
    private readonly burst: number,
    private readonly reserve: number,
    private readonly shared: SharedTokens,
    private readonly fallback: TokenBucket,
    private readonly onError: (err: unknown) => void = () => undefined,
  ) {}

  take(urgent: Urgency = false): Promise<void> {
    return new Promise((go) => {
      const w = waiter(go, urgent);
      this.waiters.push(w);
      // An urgent call does not wait out a routine one's recheck.
      if (w.rank() === URGENT) this.poke();
      else void this.serve();
    });
  }

  get waiting(): number {
    return this.waiters.length;
  }

  poke(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    void this.serve();
  }

  private async serve(): Promise<void> {
    if (this.busy || this.timer) return;
    this.busy = true;
    try {
      while (this.waiters.length > 0) {
        const { index, urgent } = nextOf(this.waiters);
        const w = this.waiters[index];
        let answer: Awaited<ReturnType<SharedTokens['takeToken']>>;
        try {
          answer = await this.shared.takeToken(this.name, urgent ? 1 : 1 + this.reserve, this.ratePerMs, this.burst);
        } catch (err) {
          this.onError(err);
          this.waiters.splice(this.waiters.indexOf(w), 1);
          void this.fallback.take(w.urgency).then(w.go);
          continue;
        }
        if (answer.taken) {
          this.waiters.splice(this.waiters.indexOf(w), 1);
          w.go();
          continue;
        }
        this.timer = setTimeout(
          () => {
            this.timer = undefined;
            void this.serve();
          },
          Math.min(answer.waitMs, SHARED_RECHECK_MS),
        );
        return;
      }
    } finally {
      this.busy = false;
    }
  }
}

export interface PacerOptions {
  /** How many replicas share the workspace's limits: each keeps to its share of the posts (and of updates, unless shared). */
  replicas?: number;
  /** Updates drawn from one bucket in the store for every replica (Postgres); the fixed share is the fallback. */
  shared?: SharedTokens;
  onSharedError?: (err: unknown) => void;
}

export class SlackPacer {
  private readonly channels = new Map<string, TokenBucket>();
  private readonly updates: TokenBucket | SharedTokenBucket;
  private readonly publishes: TokenBucket;
  private readonly limits: PacerLimits;

  constructor(limits: PacerLimits = SLACK_LIMITS, opts: PacerOptions = {}) {
    this.limits = shareOf(limits, opts.replicas ?? 1);
    // Home tabs are nobody's incident: routine ones leave half the burst to the person who just opened theirs.
    const publishBurst = this.limits.publishBurst ?? PUBLISH_LIMITS.publishBurst;
    this.publishes = new TokenBucket(
      (this.limits.publishesPerMinute ?? PUBLISH_LIMITS.publishesPerMinute) / 60_000,
      publishBurst,
      Math.floor(publishBurst / 2),
    );
    const local = new TokenBucket(
      this.limits.updatesPerMinute / 60_000,
      this.limits.updateBurst,
      Math.max(0, this.limits.updateBurst - ROUTINE_UPDATE_BURST),
    );
    this.updates = opts.shared
      ? new SharedTokenBucket(
          'chat.update',
          limits.updatesPerMinute / 60_000,
          limits.updateBurst,
          Math.max(0, limits.updateBurst - ROUTINE_UPDATE_BURST),
          opts.shared,
          local,
          opts.onSharedError,
        )
      : local;
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

  /** Waits for the workspace's turn to draw a Home tab; `urgent`: the person just opened or clicked it. */
  publish(urgent: Urgency = false): Promise<void> {
    return this.publishes.take(urgent);
  }

  /** An update already waiting may have become urgent (its rollback just ended): serve again. */
  reconsiderUpdates(): void {
    this.updates.poke();
  }
}
