/**
 * Drives one rollback through the runbook's steps. Each step returns an event; the event is run through the
 * state machine and persisted with compare-and-set before anything else happens, and only then is the channel
 * told. Whatever the runner was doing when the process died can be picked up from the stored state.
 */
import { environmentNamed } from '../../config/config.schema';
import { describeError } from '../../domain/errors';
import { isTerminal, type Rollback } from '../../domain/rollback';
import { type RollbackEvent } from '../../domain/rollback.events';
import type { Log } from '../../ports';
import { announceRollback } from './2-announce';
import { overrunsDue } from '../policies/budgets';
import { dryRunPlan } from '../reports/dry-run';
import { announceResolution } from './5-complete';
import { confirmIssue } from './1-confirm';
import { type Applied, nowIso, type RunbookDeps } from '../engine/context';
import { tell } from '../policies/audience';
import { executeRollback } from './3-execute';
import { strategyFor } from '../strategies';
import { record } from '../engine/record';
import { productionChanged } from './production-changed';
import { verifyRollback } from './4-verify';

/** More than the number of events one rollback can go through; a guard against a loop, never reached. */
const MAX_EVENTS_PER_DRIVE = 20;

export interface RunnerOptions {
  /**
   * Who this process is, for leases: `<instance>#<boot>` (see leaseOwner). No other process takes a live lease of
   * ours, not even a later boot of our own instance (it may run beside us during a start-first update).
   */
  owner: string;
  /** How long a lease lasts without renewal; a driver that died is replaced after this. */
  leaseMs?: number;
  /** How often running steps are checked against their budgets. */
  budgetTickMs?: number;
  /**
   * How long to wait between attempts to store a step's result while the store does not answer (a database restart,
   * a failover); after the last one the thread is told, and whoever holds the lease next goes on from the last
   * recorded step.
   */
  persistRetryMs?: readonly number[];
}

/** 0.5 + 1 + 2 + 4 + 8 s: a database restart or a managed failover is usually over within that. */
const PERSIST_RETRY_MS = [500, 1000, 2000, 4000, 8000];

/** The lease owner of this process: the instance (stable across restarts, for logs and status) and this boot. */
export function leaseOwner(instance: string, boot: string): string {
  return `${instance.replace(/#/g, '_')}#${boot}`;
}

export class RollbackRunner {
  private readonly inFlight = new Map<string, Promise<void>>();
  readonly owner: string;
  private readonly leaseMs: number;
  private readonly budgetTickMs: number;
  private readonly persistRetryMs: readonly number[];

  constructor(
    private readonly deps: RunbookDeps,
    options: RunnerOptions,
  ) {
    this.owner = options.owner;
    this.leaseMs = options.leaseMs ?? 30_000;
    this.budgetTickMs = options.budgetTickMs ?? 1000;
    this.persistRetryMs = options.persistRetryMs ?? PERSIST_RETRY_MS;
  }

  /** The lease a new rollback is created with: ours from its first write. */
  newLease(): { owner: string; until: number } {
    return { owner: this.owner, until: this.deps.clock.now().getTime() + this.leaseMs };
  }

  isDriving(id: string): boolean {
    return this.inFlight.has(id);
  }

  /**
   * Runs the rollback as far as it can go (until it waits for a person, or ends). One drive per rollback at a time
   * in this process; across processes, the lease decides. `resumed`: the rollback was picked up after its driver
   * stopped, so first check that going on is safe.
   */
  drive(id: string, options: { resumed?: boolean } = {}): Promise<void> {
    const running = this.inFlight.get(id);
    if (running) return running;
    const done = this.leased(id, options.resumed ?? false)
      .catch((err: unknown) => this.deps.log.error({ err, rollbackId: id }, 'runner stopped unexpectedly'))
      .finally(() => this.inFlight.delete(id));
    this.inFlight.set(id, done);
    return done;
  }

  /** Resolves when every rollback being driven has stopped moving. */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight.values()]);
  }

  get busy(): number {
    return this.inFlight.size;
  }

  /**
   * Holds the lease of a rollback while `work` runs (the request posting its card), and counts as driving it, so the
   * sweep leaves it alone. The lease is kept afterwards for drive() to take over.
   */
  own<T>(id: string, work: () => Promise<T>): Promise<T> {
    const lease = this.keepLease(id);
    let settled!: () => void;
    const gate = new Promise<void>((resolve) => (settled = resolve));
    this.inFlight.set(id, gate);
    return (async () => {
      try {
        return await work();
      } finally {
        // Gone before the caller resumes, so its drive() right after is not mistaken for this one.
        lease.stop();
        if (this.inFlight.get(id) === gate) this.inFlight.delete(id);
        settled();
      }
    })();
  }

  /**
   * Renews the lease every third of its time. A renewal that throws (SQLITE_BUSY, disk full) is logged and tried
   * again; the lease counts as lost when the store says another owner has it, or when no renewal has succeeded for
   * a whole lease time (someone else may have taken it by now). With each renewal the rollback's state is read: one
   * that ended meanwhile (interrupted because production changed by hand, cancelled) stops the step still running
   * here — its wait for Swarm, its health retries — instead of letting it run out its time.
   */
  private keepLease(id: string): { lost: () => boolean; signal: AbortSignal; stop: () => void } {
    const now = () => this.deps.clock.now().getTime();
    const abort = new AbortController();
    let renewedAt = now();
    let lost = false;
    const lose = (why: string) => {
      if (lost) return;
      lost = true;
      this.deps.log.error(
        { rollbackId: id, owner: this.owner, why },
        'lease lost: stopping this rollback here; whoever holds the lease goes on',
      );
      if (!abort.signal.aborted) abort.abort(new Error(`lease lost: ${why}`));
    };
    const ended = (r: Rollback | null) => {
      // Completed is where Step 5 still runs (the announcement): only an ending that stops the steps counts.
      if (!r || !isTerminal(r.status) || r.status === 'completed' || abort.signal.aborted) return;
      this.deps.log.info(
        { rollbackId: id, status: r.status },
        'the rollback ended elsewhere: stopping its running step',
      );
      abort.abort(new Error(`the rollback is ${r.status}`));
    };
    let renewing = false;
    const timer = setInterval(
      () => {
        // One renewal at a time: a slow store must not pile them up.
        if (renewing) return;
        renewing = true;
        this.deps.leases
          .claim(id, this.owner, now() + this.leaseMs, now())
          .then(
            async (held) => {
              if (!held) return lose('another process holds it');
              renewedAt = now();
              ended(await this.deps.rollbacks.get(id).catch(() => null));
            },
            (err: unknown) => {
              this.deps.log.warn({ err, rollbackId: id }, 'lease renewal failed; trying again');
              if (now() - renewedAt >= this.leaseMs) lose('not renewed for a whole lease time');
            },
          )
          .finally(() => (renewing = false));
      },
      Math.max(1000, this.leaseMs / 3),
    );
    timer.unref();
    return { lost: () => lost, signal: abort.signal, stop: () => clearInterval(timer) };
  }

  private async leased(id: string, resumed: boolean): Promise<void> {
    const now = () => this.deps.clock.now().getTime();
    let claimed: boolean;
    try {
      claimed = await this.deps.leases.claim(id, this.owner, now() + this.leaseMs, now());
    } catch (err) {
      this.deps.log.warn({ err, rollbackId: id }, 'could not take the lease; the sweep tries again');
      return;
    }
    if (!claimed) {
      this.deps.log.info({ rollbackId: id }, 'another live instance is driving this rollback');
      return;
    }
    const lease = this.keepLease(id);
    // The runbook's time limits, watched while the steps run.
    const watch = setInterval(() => {
      this.checkBudgets(id).catch((err: unknown) => this.deps.log.warn({ err, rollbackId: id }, 'budget check failed'));
    }, this.budgetTickMs);
    watch.unref();
    try {
      await this.loop(id, resumed, lease);
    } finally {
      lease.stop();
      clearInterval(watch);
      if (!lease.lost()) {
        try {
          await this.deps.leases.release(id, this.owner);
        } catch (err) {
          this.deps.log.warn({ err, rollbackId: id }, 'could not release the lease; it expires by itself');
        }
      }
    }
  }

  /** Reports each step that ran over its budget once (and over twice its budget once more, which pages on-call). */
  async checkBudgets(id: string): Promise<void> {
    const r = await this.deps.rollbacks.get(id);
    if (!r) return;
    const env = environmentNamed(this.deps.config, r.environment);
    if (!env) return;
    for (const o of overrunsDue(r, env.budgets, this.deps.clock.now().getTime())) {
      const event = {
        type: 'StepOverran',
        at: nowIso(this.deps.clock),
        step: o.step,
        budgetMs: o.budgetMs,
        factor: o.factor,
      } as const;
      await record(this.deps, id, event);
    }
  }

  private async loop(id: string, resumed: boolean, lease: { lost: () => boolean; signal: AbortSignal }): Promise<void> {
    let rollback = await this.deps.rollbacks.get(id);
    if (!rollback) return;
    const log = this.deps.log.child({ rollbackId: id, env: rollback.environment });
    const deps = { ...this.deps, signal: lease.signal };
    for (let i = 0; i < MAX_EVENTS_PER_DRIVE; i++) {
      const first = resumed && i === 0;
      const event = first
        ? ((await this.unsafeToResume(rollback)) ?? (await this.nextEvent(deps, rollback, log, true)))
        : await this.nextEvent(deps, rollback, log, false);
      if (!event) return;
      // Whoever took the lease over goes on from the stored state; what this step found is not persisted.
      if (lease.lost()) {
        log.warn({ event: event.type }, 'lease lost: the step result is not recorded');
        return;
      }
      const applied = await this.persist(rollback, event, lease, log);
      if (!applied) return;
      if (!applied.ok) {
        // Someone else moved the rollback on (a Cancel during Step 1, another replica): their state stands.
        log.info({ rejection: applied.rejection, event: event.type }, 'step result not applied');
        return;
      }
      rollback = applied.rollback;
      log.info({ event: event.type, status: rollback.status }, 'rollback moved');
    }
  }

  /**
   * Stores a step's result, waiting out a store that does not answer (bounded). When it cannot, the thread says so:
   * the step's effect in production stands, and the lease expires so that a live replica (or this one, once the
   * store is back) resumes from the last recorded step, checking first that going on is safe.
   */
  private async persist(
    r: Rollback,
    event: RollbackEvent,
    lease: { lost: () => boolean },
    log: Log,
  ): Promise<Applied | null> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await record(this.deps, r.id, event);
      } catch (err) {
        const wait = this.persistRetryMs[attempt];
        if (wait === undefined || lease.lost()) {
          log.error({ err, event: event.type }, 'could not store the step result; stopping here');
          await tell(this.deps, r, {
            type: 'Note',
            at: nowIso(this.deps.clock),
            fact: { kind: 'not_persisted', event: event.type, error: describeError(err) },
          });
          return null;
        }
        log.warn({ err, event: event.type, attempt: attempt + 1, waitMs: wait }, 'the store did not answer; retrying');
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
    }
  }

  /**
   * A rollback picked up after its driver stopped goes on only when that is safe: the environment is still
   * configured; approved but not yet in Step 3 (Step 2's announcement perhaps posted, not recorded), production is
   * still what the card showed — else it is interrupted, as a change seen during the steps is, before anything acts
   * on findings that no longer hold; once Step 3 may have started, the option says so (Docker: every service runs
   * the target, or the version it ran before and its update was not taken and undone; a recorded workflow run can be
   * followed; a deploy script cannot be picked up halfway).
   */
  private async unsafeToResume(r: Rollback): Promise<RollbackEvent | null> {
    const at = nowIso(this.deps.clock);
    const env = environmentNamed(this.deps.config, r.environment);
    if (!env)
      return {
        type: 'RollbackInterrupted',
        at,
        reason: `environment ${r.environment} is no longer in the config`,
        services: r.findings?.services ?? [],
      };
    if (r.status !== 'executing') return null;
    if (r.announcement) return strategyFor(r).resumeCheck(this.deps, r, env);
    // Not being able to read production is no evidence that it changed: Step 3 reports what it finds.
    const changed = await productionChanged(this.deps, r).catch((err: unknown) => {
      this.deps.log.warn({ err, rollbackId: r.id }, 'could not read production before resuming Step 2');
      return null;
    });
    if (!changed) return null;
    const card = new Map((r.findings?.services ?? []).map((s) => [s.service, s.version]));
    const what = changed
      .filter((s) => s.version !== card.get(s.service))
      .map((s) => `${s.service} runs ${s.version ?? 'unknown'}, not ${card.get(s.service) ?? 'unknown'} as on the card`)
      .join('; ');
    return {
      type: 'RollbackInterrupted',
      at,
      reason: `the bot stopped during Step 2 and production changed meanwhile: ${what}. Nothing was rolled back: Step 3 never started, and the approval was for what the card showed`,
      services: changed,
    };
  }

  private async nextEvent(deps: RunbookDeps, r: Rollback, log: Log, resumed: boolean): Promise<RollbackEvent | null> {
    try {
      switch (r.status) {
        case 'requested':
          if (!r.card) return await this.postCard(r);
          return { type: 'ConfirmationStarted', at: nowIso(deps.clock) };
        case 'confirming':
          return await confirmIssue(deps, r);
        case 'awaiting_approval':
          return r.dryRun ? { type: 'DryRunReported', at: nowIso(deps.clock), plan: dryRunPlan(deps, r) } : null;
        case 'executing':
          return r.announcement ? await executeRollback(deps, r) : await announceRollback(deps, r, resumed);
        case 'verifying':
          return await verifyRollback(deps, r);
        case 'completed':
          return r.resolution === null && r.steps.complete.status === 'running'
            ? await announceResolution(deps, r, resumed)
            : null;
        default:
          return null;
      }
    } catch (err) {
      // A step threw instead of reporting: fail the rollback visibly rather than leave it hanging.
      log.error({ err, status: r.status }, 'step threw');
      return crashEvent(r, `internal error: ${describeError(err)}`, nowIso(this.deps.clock));
    }
  }

  /** Only after a restart: a rollback stored before its card was posted. */
  private async postCard(r: Rollback): Promise<RollbackEvent> {
    try {
      return { type: 'CardPosted', at: nowIso(this.deps.clock), card: await this.deps.notifier.postCard(r) };
    } catch (err) {
      return {
        type: 'ConfirmationFailed',
        at: nowIso(this.deps.clock),
        reason: `the rollback card could not be posted: ${describeError(err)}`,
        findings: null,
      };
    }
  }
}

function crashEvent(r: Rollback, reason: string, at: string): RollbackEvent | null {
  switch (r.status) {
    case 'requested':
    case 'confirming':
      return { type: 'ConfirmationFailed', at, reason, findings: r.findings };
    case 'executing':
      return r.announcement
        ? { type: 'ExecutionFailed', at, reason, results: r.results ?? [] }
        : { type: 'AnnouncementFailed', at, step: 'announce', reason };
    case 'verifying':
      return {
        type: 'VerificationFailed',
        at,
        reason,
        evidence: r.verification ?? { health: { url: '', ok: false, attempts: 0, error: reason }, smokeTests: [] },
      };
    case 'completed':
      return { type: 'AnnouncementFailed', at, step: 'complete', reason };
    default:
      return null;
  }
}
