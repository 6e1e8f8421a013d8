/**
 * Proposals: for environments with `watch: true`, the decision criteria are evaluated on an interval. When an
 * "immediate" criterion trips, the bot requests a rollback itself — Step 1 runs, the card waits for an incident
 * commander's Approve like any other (it never executes on its own). One proposal at a time per environment (the
 * lock), and none for a while after one was cancelled.
 */
import { environmentNamed } from '../../config/config.schema';
import { BOT_REQUESTER, isTerminal, type Rollback } from '../../domain/rollback';
import { nowIso, type RunbookDeps } from '../engine/context';
import { evaluateEnvironment } from '../reports/evidence';
import type { RollbackService } from '../service';
import { strategyNamed } from '../strategies';
import { agreed } from '../steps/1-confirm';

export class Watcher {
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly failures = new Map<string, number>();
  private readonly busy = new Set<string>();
  /**
   * Environments under close watch after a deploy: the timer, when it ends, and whether every look so far found it
   * healthy, and how many looks there were (a watch that ends with at least one look, every one healthy, counts the
   * deploy as seen healthy).
   */
  private readonly close = new Map<string, { timer: NodeJS.Timeout; until: number; healthy: boolean; looks: number }>();

  constructor(
    private readonly deps: RunbookDeps,
    private readonly service: RollbackService,
  ) {}

  start(): void {
    for (const [name, env] of Object.entries(this.deps.config.environments)) {
      if (!env.watch) continue;
      const timer = setInterval(() => void this.tick(name), env.watch_interval_ms);
      timer.unref();
      this.timers.push(timer);
    }
  }

  stop(): void {
    for (const t of this.timers.splice(0)) clearInterval(t);
    for (const c of this.close.values()) clearInterval(c.timer);
    this.close.clear();
  }

  /**
   * A deploy was seen: for `close_watch_ms` the environment is evaluated every `close_watch_interval_ms` (two
   * consecutive failing health probes, or any "immediate" criterion, propose a rollback to what ran before). A new
   * deploy during the close watch extends it; the health streak starts again. A watch that ends with every look
   * healthy marks CI's report of the deploy as seen healthy: what a later proposal goes back to.
   */
  deploySeen(name: string): void {
    const env = environmentNamed(this.deps.config, name);
    if (!env?.watch || env.close_watch_ms === 0) return;
    const until = this.deps.clock.now().getTime() + env.close_watch_ms;
    this.failures.set(name, 0);
    const existing = this.close.get(name);
    if (existing) {
      existing.until = until;
      existing.healthy = true;
      existing.looks = 0;
      return;
    }
    const timer = setInterval(() => {
      const c = this.close.get(name);
      if (!c || this.deps.clock.now().getTime() > c.until) {
        clearInterval(timer);
        this.close.delete(name);
        if (c?.healthy && c.looks > 0) void this.seenHealthy(name);
        return;
      }
      void this.tick(name);
    }, env.close_watch_interval_ms);
    timer.unref();
    this.close.set(name, { timer, until, healthy: true, looks: 0 });
    this.deps.log.info({ environment: name, forMs: env.close_watch_ms }, 'a deploy was seen: watching closely');
  }

  /** The close watch found the deploy healthy throughout: CI's report of what runs now is marked so. */
  private async seenHealthy(name: string): Promise<void> {
    const env = environmentNamed(this.deps.config, name);
    if (!env || !this.deps.deploys) return;
    try {
      const draft = { environment: name, strategy: env.strategy } as Rollback;
      // Look: a strategy that reads its versions from /health only does when asked to.
      const now = await strategyNamed(env.strategy).currentVersions(this.deps, draft, env, { probe: true });
      const version = agreed(now.map((s) => s.version)).value;
      if (!version) return;
      const marked = await this.deps.deploys.markDeployVerified(name, version, nowIso(this.deps.clock));
      this.deps.log.info({ environment: name, version, marked }, 'the deploy stayed healthy through its close watch');
    } catch (err) {
      this.deps.log.warn({ err, environment: name }, 'could not mark the deploy as seen healthy');
    }
  }

  /** Whether the environment is under close watch now. */
  watchingClosely(name: string): boolean {
    return this.close.has(name);
  }

  /** What the close watch saw, for the Home tab's "what runs now"; the open Home tabs hear of anything new. */
  private keepLook(name: string, healthy: boolean, version: string | undefined): void {
    const look = {
      versions: version ? [version] : [],
      at: nowIso(this.deps.clock),
      source: 'close_watch' as const,
      healthy,
    };
    if (this.deps.looks?.record(name, look)) this.deps.changed?.(name);
  }

  /** A look under close watch that did not find the environment healthy (or could not look): not seen healthy. */
  private unhealthy(name: string): false {
    const c = this.close.get(name);
    if (c) c.healthy = false;
    return false;
  }

  /** One evaluation of one environment; returns whether a rollback was proposed. */
  async tick(name: string): Promise<boolean> {
    const env = environmentNamed(this.deps.config, name);
    if (!env || this.busy.has(name)) return false;
    this.busy.add(name);
    try {
      const [latest] = await this.deps.rollbacks.list({ environment: name, limit: 1 });
      if (latest && !isTerminal(latest.status)) return this.unhealthy(name);
      const now = this.deps.clock.now().getTime();
      if (
        latest?.requestedBy === BOT_REQUESTER &&
        latest.status === 'cancelled' &&
        now - Date.parse(latest.endedAt ?? latest.updatedAt) < env.watch_backoff_ms
      )
        return this.unhealthy(name);

      const health = await this.deps.probe.probe(env.health.url, {
        attempts: 1,
        intervalMs: 0,
        timeoutMs: env.health.timeout_ms,
      });
      const streak = health.ok ? 0 : (this.failures.get(name) ?? 0) + 1;
      this.failures.set(name, streak);
      const evaluation = await evaluateEnvironment(this.deps, name, env, { value: streak });
      const close = this.close.get(name);
      if (close) {
        close.looks++;
        this.keepLook(name, health.ok, health.version);
      }
      if (!health.ok || evaluation.rows.some((r) => r.verdict === 'met')) this.unhealthy(name);
      if (evaluation.overall !== 'immediate') return false;

      const tripped = evaluation.rows
        .filter((r) => r.verdict === 'met')
        .map((r) => `${r.label} ${r.observed} (threshold ${r.threshold})`);
      this.deps.log.info({ environment: name, tripped }, 'decision criteria tripped; proposing a rollback');
      const outcome = await this.service.request({
        environment: name,
        target: null,
        reason: `Proposed by the bot: ${tripped.join('; ')}`,
        userId: BOT_REQUESTER,
        channelId: env.channel,
      });
      return outcome.kind === 'ok';
    } catch (err) {
      this.deps.log.warn({ err, environment: name }, 'watch evaluation failed');
      return this.unhealthy(name);
    } finally {
      this.busy.delete(name);
    }
  }
}
