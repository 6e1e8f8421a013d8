/** The token buckets that keep the bot within Slack's rate limits (fake timers: no waiting in the test). */
import {
  SharedTokenBucket,
  type SharedTokens,
  shareOf,
  SLACK_LIMITS,
  SlackPacer,
  TokenBucket,
  type Urgency,
} from '../../../../src/adapters/slack/slack.pacer';

beforeEach(() => jest.useFakeTimers({ now: 0 }));
afterEach(() => jest.useRealTimers());

/** Takes a token and records when it was granted. */
function taker(bucket: { take(urgent?: Urgency): Promise<void> }, granted: string[]) {
  return (name: string, urgent: Urgency = false) =>
    void bucket.take(urgent).then(() => granted.push(`${name}@${Date.now()}`));
}

it('lets a burst through at once, then one a second', async () => {
  const granted: string[] = [];
  const take = taker(new TokenBucket(1 / 1000, 3), granted);
  for (const n of ['a', 'b', 'c', 'd', 'e']) take(n);
  await jest.advanceTimersByTimeAsync(0);
  expect(granted).toEqual(['a@0', 'b@0', 'c@0']);
  await jest.advanceTimersByTimeAsync(2000);
  expect(granted).toEqual(['a@0', 'b@0', 'c@0', 'd@1000', 'e@2000']);
});

it('keeps a reserve for urgent calls, and serves urgent ones first', async () => {
  const granted: string[] = [];
  const take = taker(new TokenBucket(1 / 1000, 4, 2), granted);
  for (const n of ['r1', 'r2', 'r3', 'r4']) take(n);
  await jest.advanceTimersByTimeAsync(0);
  // Routine calls stop at the reserve: two tokens are left for announcements.
  expect(granted).toEqual(['r1@0', 'r2@0']);
  take('u1', true);
  take('u2', true);
  await jest.advanceTimersByTimeAsync(0);
  expect(granted).toEqual(['r1@0', 'r2@0', 'u1@0', 'u2@0']);
  take('u3', true);
  await jest.advanceTimersByTimeAsync(1000);
  // The next token goes to the waiting urgent call before the routine ones queued earlier.
  expect(granted.slice(4)).toEqual(['u3@1000']);
  await jest.advanceTimersByTimeAsync(6000);
  expect(granted.slice(5).map((g) => g.split('@')[0])).toEqual(['r3', 'r4']);
});

it('serves background calls (summaries of refused deploys and clicks) after routine ones, even those queued later', async () => {
  const granted: string[] = [];
  const take = taker(new TokenBucket(1 / 1000, 1), granted);
  for (const n of ['b1', 'b2', 'b3']) take(n, 'background');
  await jest.advanceTimersByTimeAsync(0);
  expect(granted).toEqual(['b1@0']);
  // A rollback's step lines arrive while a backlog of background lines waits: they go first, in their order.
  take('step1');
  take('step2');
  await jest.advanceTimersByTimeAsync(2000);
  expect(granted).toEqual(['b1@0', 'step1@1000', 'step2@2000']);
  take('announcement', true);
  await jest.advanceTimersByTimeAsync(3000);
  expect(granted.slice(3)).toEqual(['announcement@3000', 'b2@4000', 'b3@5000']);
});

it('paces posts per channel and updates for the whole workspace', async () => {
  const pacer = new SlackPacer({ postsPerSecond: 1, postBurst: 1, updatesPerMinute: 60, updateBurst: 1 });
  const granted: string[] = [];
  void pacer.post('C1').then(() => granted.push('C1 first'));
  void pacer.post('C2').then(() => granted.push('C2 first'));
  void pacer.post('C1').then(() => granted.push('C1 second'));
  void pacer.update().then(() => granted.push('update 1'));
  void pacer.update().then(() => granted.push('update 2'));
  await jest.advanceTimersByTimeAsync(0);
  expect(granted.sort()).toEqual(['C1 first', 'C2 first', 'update 1']);
  await jest.advanceTimersByTimeAsync(1000);
  expect(granted.sort()).toEqual(['C1 first', 'C1 second', 'C2 first', 'update 1', 'update 2']);
});

it('serves a waiting call first once it becomes urgent (a card whose rollback just ended)', async () => {
  const granted: string[] = [];
  const bucket = new TokenBucket(1 / 1000, 1);
  const take = taker(bucket, granted);
  take('first');
  let ended = false;
  for (const n of ['r1', 'r2', 'r3']) take(n);
  take('card', () => ended);
  await jest.advanceTimersByTimeAsync(0);
  expect(granted).toEqual(['first@0']);
  ended = true;
  bucket.poke();
  await jest.advanceTimersByTimeAsync(1000);
  // The card that now shows a final state goes before the routine calls queued ahead of it.
  expect(granted).toEqual(['first@0', 'card@1000']);
  await jest.advanceTimersByTimeAsync(3000);
  expect(granted.slice(2).map((g) => g.split('@')[0])).toEqual(['r1', 'r2', 'r3']);
});

it('leaves most of the update burst to urgent updates: twenty final cards are not queued behind progress', async () => {
  const pacer = new SlackPacer(SLACK_LIMITS);
  const granted: string[] = [];
  for (let i = 0; i < 10; i++) void pacer.update().then(() => granted.push(`progress ${i}`));
  await jest.advanceTimersByTimeAsync(0);
  // Routine updates spend two of the burst of 12 and then go at the refill rate.
  expect(granted).toHaveLength(2);
  for (let i = 0; i < 20; i++) void pacer.update(true).then(() => granted.push(`final ${i}`));
  await jest.advanceTimersByTimeAsync(0);
  expect(granted.filter((g) => g.startsWith('final'))).toHaveLength(10);
  // The other ten at 50 a minute: all twenty final cards within 12 s, before any more progress.
  await jest.advanceTimersByTimeAsync(12_000);
  expect(granted.filter((g) => g.startsWith('final'))).toHaveLength(20);
  expect(granted.slice(2, 22).every((g) => g.startsWith('final'))).toBe(true);
});

describe('several replicas of one Slack app', () => {
  it('each keeps to its share of the workspace’s limits, with room left for announcements', () => {
    expect(shareOf(SLACK_LIMITS, 1)).toEqual(SLACK_LIMITS);
    const half = shareOf(SLACK_LIMITS, 2);
    expect(half.postsPerSecond * 2).toBeCloseTo(SLACK_LIMITS.postsPerSecond);
    expect(half.updatesPerMinute * 2).toBeCloseTo(SLACK_LIMITS.updatesPerMinute);
    expect(half.updateBurst).toBe(6);
    // A channel's bucket keeps two posts for the runbook's announcements; a share never leaves routine lines none.
    expect(shareOf(SLACK_LIMITS, 3).postBurst).toBe(3);
  });
});

describe('the bucket shared through the store', () => {
  /** The store's bucket as Postgres keeps it (the same arithmetic), on the fake clock; `down` makes it fail. */
  function memoryTokens(): SharedTokens & { down: boolean; asked: number } {
    let tokens: number | null = null;
    let at = 0;
    return {
      down: false,
      asked: 0,
      async takeToken(_name, floor, rate, burst) {
        this.asked++;
        if (this.down) throw new Error('connection refused');
        const now = Date.now();
        const available = tokens === null ? burst : Math.min(burst, tokens + (now - at) * rate);
        if (available >= floor) {
          tokens = available - 1;
          at = now;
          return { taken: true };
        }
        return { taken: false, waitMs: Math.ceil((floor - available) / rate) };
      },
    };
  }

  it('serves urgent calls first and keeps the reserve from routine ones', async () => {
    const granted: string[] = [];
    const bucket = new SharedTokenBucket('u', 1 / 1000, 3, 1, memoryTokens(), new TokenBucket(1 / 1000, 3));
    const take = taker(bucket, granted);
    for (const n of ['r1', 'r2', 'r3']) take(n);
    await jest.advanceTimersByTimeAsync(0);
    // Routine calls stop at the reserve of one.
    expect(granted).toEqual(['r1@0', 'r2@0']);
    take('u1', true);
    await jest.advanceTimersByTimeAsync(0);
    expect(granted).toEqual(['r1@0', 'r2@0', 'u1@0']);
    await jest.advanceTimersByTimeAsync(2000);
    expect(granted).toEqual(['r1@0', 'r2@0', 'u1@0', 'r3@2000']);
  });

  it("falls back to this replica's own share when the store does not answer", async () => {
    const granted: string[] = [];
    const shared = memoryTokens();
    shared.down = true;
    const errors: unknown[] = [];
    const bucket = new SharedTokenBucket('u', 1 / 1000, 3, 0, shared, new TokenBucket(1 / 1000, 1), (e) =>
      errors.push(e),
    );
    const take = taker(bucket, granted);
    take('a');
    take('b');
    await jest.advanceTimersByTimeAsync(0);
    expect(granted).toEqual(['a@0']);
    await jest.advanceTimersByTimeAsync(1000);
    expect(granted).toEqual(['a@0', 'b@1000']);
    expect(errors).toHaveLength(2);
  });
});

describe('Home tabs (views.publish)', () => {
  it('are drawn at their own pace, shared by the replicas, defaulting to Tier 4 when not given', () => {
    expect(shareOf(SLACK_LIMITS, 1)).toMatchObject({ publishesPerMinute: 100, publishBurst: 10 });
    expect(shareOf(SLACK_LIMITS, 4)).toMatchObject({ publishesPerMinute: 25, publishBurst: 3 });
    const { publishesPerMinute: _p, publishBurst: _b, ...without } = SLACK_LIMITS;
    expect(shareOf(without, 2)).toMatchObject({ publishesPerMinute: 50, publishBurst: 5 });
  });
});
