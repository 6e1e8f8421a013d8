/**
 * The bot's own metrics, in Prometheus's text format at GET /metrics (prom-client). Rollbacks started and finished,
 * each step's duration beside the runbook's budget, approvals waiting and for how long, Slack API calls (errors and
 * 429s by method), Docker and health-probe latency, and the process's default metrics. Counters live in the process
 * that does the work; the front asks for them over IPC and adds its own process metrics (label process="front").
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { BotConfig } from '../../config/config.schema';
import { isTerminal, type Rollback, STEPS, strategyOf } from '../../domain/rollback';
import type { Telemetry } from '../../ports';
import { budgetOf } from '../../config/budgets';
import type { MetricsJson } from '../../ports/telemetry.port';

/** Minutes-scale steps: the runbook's budgets are 1–5 minutes, an overrun is what an alert should see. */
const STEP_BUCKETS = [1, 5, 10, 30, 60, 120, 180, 300, 600, 1200];
/** Calls to outside systems: milliseconds to a minute (a Swarm update is a minute or more). */
const CALL_BUCKETS = [0.005, 0.025, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

/** What a stored event did to a rollback, for the metrics: steps that ended (with how long they took), a final state. */
export interface Movement {
  stepsEnded: Array<{ step: string; seconds: number; outcome: 'done' | 'failed' }>;
  /** The final state it reached with this event ('unresolved' counts: the outcome is unknown and people must look). */
  finished: string | null;
}

export function movementOf(before: Rollback, after: Rollback): Movement {
  const stepsEnded: Movement['stepsEnded'] = [];
  for (const step of STEPS) {
    const was = before.steps[step];
    const now = after.steps[step];
    if (was.status === now.status || (now.status !== 'done' && now.status !== 'failed')) continue;
    // A step that fails before it started (a rollback refused at once) has no duration to report.
    if (!now.startedAt || !now.endedAt) continue;
    stepsEnded.push({
      step,
      seconds: Math.max(0, (Date.parse(now.endedAt) - Date.parse(now.startedAt)) / 1000),
      outcome: now.status,
    });
  }
  const ends = (s: Rollback['status']) => isTerminal(s) || s === 'unresolved';
  return { stepsEnded, finished: ends(after.status) && !ends(before.status) ? after.status : null };
}

export interface ApprovalsSource {
  list(filter: { statuses: readonly ['awaiting_approval']; limit: number }): Promise<Rollback[]>;
}

export class PrometheusTelemetry implements Telemetry {
  readonly registry = new Registry();
  private readonly started: Counter;
  private readonly finished: Counter;
  private readonly stepDuration: Histogram;
  private readonly slackCalls: Counter;
  private readonly slackErrors: Counter;
  private readonly slackRateLimited: Counter;
  private readonly slackDuration: Histogram;
  private readonly calls: Histogram;

  constructor(opts: { config: BotConfig; approvals: ApprovalsSource; process: string }) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, labels: { process: opts.process } });
    this.started = new Counter({
      name: 'rollback_started_total',
      help: 'Rollbacks requested (dry runs included), by environment and strategy.',
      labelNames: ['environment', 'strategy', 'dry_run'],
      registers,
    });
    this.finished = new Counter({
      name: 'rollback_finished_total',
      help: 'Rollbacks that reached a final state, by outcome (completed, failed, cancelled, expired, interrupted, rehearsed, unresolved).',
      labelNames: ['environment', 'strategy', 'outcome'],
      registers,
    });
    this.stepDuration = new Histogram({
      name: 'rollback_step_duration_seconds',
      help: 'How long each runbook step took (confirm, announce, execute, verify, complete); compare with rollback_step_budget_seconds.',
      labelNames: ['environment', 'step', 'outcome'],
      buckets: STEP_BUCKETS,
      registers,
    });
    const budget = new Gauge({
      name: 'rollback_step_budget_seconds',
      help: "The runbook's time budget of each step, per environment (the config's budgets).",
      labelNames: ['environment', 'step'],
      registers,
    });
    for (const [environment, env] of Object.entries(opts.config.environments))
      for (const step of STEPS) {
        const ms = budgetOf(env.budgets, step);
        if (ms !== null) budget.set({ environment, step }, ms / 1000);
      }
    const approvals = opts.approvals;
    // One store read serves both gauges: prom-client collects them concurrently, so they share the read in flight.
    let reading: Promise<Rollback[]> | null = null;
    const awaiting = () =>
      (reading ??= approvals.list({ statuses: ['awaiting_approval'], limit: 500 }).finally(() => (reading = null)));
    const byEnvironment = async (each: (environment: string, since: number[]) => void) => {
      const rows = await awaiting();
      for (const environment of Object.keys(opts.config.environments))
        each(
          environment,
          rows
            .filter((r) => r.environment === environment)
            .map((r) => Date.parse(r.steps.confirm.endedAt ?? r.requestedAt)),
        );
    };
    new Gauge({
      name: 'rollback_awaiting_approval',
      help: 'Rollbacks waiting for an incident commander to press Approve, per environment (read from the store at each scrape).',
      labelNames: ['environment'],
      registers,
      async collect() {
        this.reset();
        await byEnvironment((environment, since) => this.set({ environment }, since.length));
      },
    });
    const oldest = new Gauge({
      name: 'rollback_awaiting_approval_oldest_seconds',
      help: 'How long the oldest rollback awaiting approval has waited, per environment (0 when none waits).',
      labelNames: ['environment'],
      registers,
      async collect() {
        this.reset();
        const now = Date.now();
        await byEnvironment((environment, since) =>
          this.set({ environment }, since.length ? Math.max(0, (now - Math.min(...since)) / 1000) : 0),
        );
      },
    });
    void oldest;
    this.slackCalls = new Counter({
      name: 'rollback_slack_api_calls_total',
      help: 'Slack Web API calls, by method.',
      labelNames: ['method'],
      registers,
    });
    this.slackErrors = new Counter({
      name: 'rollback_slack_api_errors_total',
      help: "Slack Web API calls that failed, by method and Slack's error (ratelimited, invalid_blocks, timeout, …).",
      labelNames: ['method', 'error'],
      registers,
    });
    this.slackRateLimited = new Counter({
      name: 'rollback_slack_api_rate_limited_total',
      help: 'Slack Web API calls answered 429 (rate limited), by method.',
      labelNames: ['method'],
      registers,
    });
    this.slackDuration = new Histogram({
      name: 'rollback_slack_api_duration_seconds',
      help: 'Slack Web API call latency, by method.',
      labelNames: ['method'],
      buckets: CALL_BUCKETS,
      registers,
    });
    this.calls = new Histogram({
      name: 'rollback_call_duration_seconds',
      help: 'Latency of calls to the Docker engine (system="docker") and to health endpoints and smoke tests (system="health"), by operation and outcome.',
      labelNames: ['system', 'operation', 'outcome'],
      buckets: CALL_BUCKETS,
      registers,
    });
  }

  rollbackRequested(r: Rollback): void {
    this.started.inc({ environment: r.environment, strategy: strategyOf(r), dry_run: String(r.dryRun) });
  }

  rollbackMoved(before: Rollback, after: Rollback): void {
    const m = movementOf(before, after);
    for (const s of m.stepsEnded)
      this.stepDuration.observe({ environment: after.environment, step: s.step, outcome: s.outcome }, s.seconds);
    if (m.finished)
      this.finished.inc({ environment: after.environment, strategy: strategyOf(after), outcome: m.finished });
  }

  /**
   * `fetch` for the Slack WebClient (and Bolt's `respond`): counts every call by Web API method (the path after
   * `apiUrl`; "response_url" for answers to a command or click), with its latency, Slack's error when the answer is
   * `ok: false`, and 429s.
   */
  slackFetch(apiUrl: string, inner: typeof fetch = globalThis.fetch): typeof fetch {
    return async (input, init) => {
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
      const method = url.startsWith(apiUrl) ? url.slice(apiUrl.length).split(/[/?#]/)[0] || 'unknown' : 'response_url';
      const end = this.slackDuration.startTimer({ method });
      this.slackCalls.inc({ method });
      try {
        const res = await inner(input, init);
        end();
        if (res.status === 429) {
          this.slackRateLimited.inc({ method });
          this.slackErrors.inc({ method, error: 'ratelimited' });
        } else if (!res.ok) this.slackErrors.inc({ method, error: `http_${res.status}` });
        else {
          // Read a copy: the WebClient reads the original.
          const body = (await res
            .clone()
            .json()
            .catch(() => null)) as { ok?: boolean; error?: unknown } | null;
          if (body?.ok === false) this.slackErrors.inc({ method, error: String(body.error ?? 'unknown') });
        }
        return res;
      } catch (err) {
        end();
        const name = (err as Error).name;
        this.slackErrors.inc({
          method,
          error: name === 'TimeoutError' || name === 'AbortError' ? 'timeout' : 'network',
        });
        throw err;
      }
    };
  }

  /** The same object, its asynchronous methods timed into rollback_call_duration_seconds{system}. */
  timed<T extends object>(system: 'docker' | 'health', target: T): T {
    const calls = this.calls;
    return new Proxy(target, {
      get(obj, prop, receiver) {
        const value = Reflect.get(obj, prop, receiver) as unknown;
        if (typeof value !== 'function' || typeof prop !== 'string') return value;
        return (...args: unknown[]) => {
          const out = (value as (...a: unknown[]) => unknown).apply(obj, args);
          if (!(out instanceof Promise)) return out;
          const end = calls.startTimer({ system, operation: prop });
          return out.then(
            (v: unknown) => {
              end({ outcome: 'ok' });
              return v;
            },
            (err: unknown) => {
              end({ outcome: 'error' });
              throw err;
            },
          );
        };
      },
    });
  }

  /** Everything, as plain objects (what the front merges with its own and serves). */
  json(): Promise<MetricsJson> {
    return this.registry.getMetricsAsJSON() as Promise<MetricsJson>;
  }
}
