/**
 * Drives one rollback through the runbook's steps. Each step returns an event; the event is run through the
 * state machine and persisted with compare-and-set before anything else happens, and only then is the channel
 * told. Whatever the runner was doing when the process died can be picked up from the stored state.
 */
import { environmentNamed } from '../config/config.schema';
import { describeError } from '../domain/errors';
import { BOT_REQUESTER, type Rollback, type RollbackEvent, strategyOf } from '../domain/rollback.machine';
import type { Log } from '../ports';
import { announceRollback } from './announce';
import { overrunsDue } from './budgets';
import { dryRunPlan } from './dry-run';
import { escalate } from './escalate';
import { openTicket } from './ticket';
import { announceResolution } from './complete';
import { confirmIssue } from './confirm';
import { applyEvent, nowIso, type RunbookDeps } from './context';
import { executeRollback } from './execute';
import { OPTIONS } from './options';
import { verifyRollback } from './verify';

/** More than the number of events one rollback can go through; a guard against a loop, never reached. */
const MAX_EVENTS_PER_DRIVE = 20;

export interface RunnerOptions {
  /** Who this process is, for leases: the same id after a restart on the same host picks its work up at once. */
  owner: string;
  /** How long a lease lasts without renewal; a driver that died is replaced after this. */
  leaseMs?: number;
  /** How often running steps are checked against their budgets. */
  budgetTickMs?: number;
}

export class RollbackRunner {
  private readonly inFlight = new Map<string, Promise<void>>();
  readonly owner: string;
  private readonly leaseMs: number;
  private readonly budgetTickMs: number;

  constructor(
    private readonly deps: RunbookDeps,
    options: RunnerOptions,
  ) {
    this.owner = options.owner;
    this.leaseMs = options.leaseMs ?? 30_000;
    this.budgetTickMs = options.budgetTickMs ?? 1000;
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

  private async leased(id: string, resumed: boolean): Promise<void> {
    const now = () => this.deps.clock.now().getTime();
    if (!this.deps.store.claim(id, this.owner, now() + this.leaseMs, now())) {
      this.deps.log.info({ rollbackId: id }, 'another live instance is driving this rollback');
      return;
    }
    const renew = setInterval(() => this.deps.store.claim(id, this.owner, now() + this.leaseMs, now()), Math.max(1000, this.leaseMs / 3));
    renew.unref();
    // The runbook's time limits, watched while the steps run.
    const watch = setInterval(() => void this.checkBudgets(id), this.budgetTickMs);
    watch.unref();
    try {
      await this.loop(id, resumed);
    } finally {
      clearInterval(renew);
      clearInterval(watch);
      this.deps.store.release(id, this.owner);
    }
  }

  /** Reports each step that ran over its budget once (and over twice its budget once more, which pages on-call). */
  async checkBudgets(id: string): Promise<void> {
    const r = this.deps.store.get(id);
    if (!r) return;
    const env = environmentNamed(this.deps.config, r.environment);
    if (!env) return;
    for (const o of overrunsDue(r, env.budgets, this.deps.clock.now().getTime())) {
      const event = { type: 'StepOverran', at: nowIso(this.deps.clock), step: o.step, budgetMs: o.budgetMs, factor: o.factor } as const;
      const applied = applyEvent(this.deps.store, id, event);
      if (!applied.ok) continue;
      await this.deps.notifier.progress(applied.rollback, event);
      await escalate(this.deps, applied.rollback, event);
    }
  }

  private async loop(id: string, resumed: boolean): Promise<void> {
    let rollback = this.deps.store.get(id);
    if (!rollback) return;
    const log = this.deps.log.child({ rollbackId: id, env: rollback.environment });
    for (let i = 0; i < MAX_EVENTS_PER_DRIVE; i++) {
      const event = resumed && i === 0 ? ((await this.unsafeToResume(rollback)) ?? (await this.nextEvent(rollback, log))) : await this.nextEvent(rollback, log);
      if (!event) return;
      const applied = applyEvent(this.deps.store, id, event);
      if (!applied.ok) {
        // Someone else moved the rollback on (a Cancel during Step 1, another replica): their state stands.
        log.info({ rejection: applied.rejection, event: event.type }, 'step result not applied');
        return;
      }
      rollback = applied.rollback;
      log.info({ event: event.type, status: rollback.status }, 'rollback moved');
      await this.deps.notifier.progress(rollback, event);
      await escalate(this.deps, rollback, event);
      await this.ticketIfAuto(rollback);
    }
  }

  /** With `tickets.auto`, the incident ticket is opened as soon as an approved rollback has really ended. */
  private async ticketIfAuto(r: Rollback): Promise<void> {
    const ended = (r.status === 'completed' && r.steps.complete.status !== 'running') || r.status === 'failed' || r.status === 'interrupted';
    if (!ended || !r.approvedBy || r.dryRun || !environmentNamed(this.deps.config, r.environment)?.tickets?.auto) return;
    const opened = await openTicket(this.deps, r.id, BOT_REQUESTER);
    if ('error' in opened) this.deps.log.warn({ rollbackId: r.id, error: opened.error }, 'automatic ticket not opened');
  }

  /**
   * A rollback picked up after its driver stopped goes on only when that is safe: the environment is still
   * configured, and, once Step 3 may have started, the option says so (Docker: every service runs the version it ran
   * before or the target; a recorded workflow run can be followed; a deploy script cannot be picked up halfway).
   */
  private async unsafeToResume(r: Rollback): Promise<RollbackEvent | null> {
    const at = nowIso(this.deps.clock);
    const env = environmentNamed(this.deps.config, r.environment);
    if (!env) return { type: 'RollbackInterrupted', at, reason: `environment ${r.environment} is no longer in the config`, services: r.findings?.services ?? [] };
    if (r.status !== 'executing' || !r.announcement) return null;
    return OPTIONS[strategyOf(r)].resumeCheck(this.deps, r, env);
  }

  private async nextEvent(r: Rollback, log: Log): Promise<RollbackEvent | null> {
    try {
      switch (r.status) {
        case 'requested':
          if (!r.card) return await this.postCard(r);
          return { type: 'ConfirmationStarted', at: nowIso(this.deps.clock) };
        case 'confirming':
          return await confirmIssue(this.deps, r);
        case 'awaiting_approval':
          return r.dryRun ? { type: 'DryRunReported', at: nowIso(this.deps.clock), plan: dryRunPlan(this.deps, r) } : null;
        case 'executing':
          return r.announcement ? await executeRollback(this.deps, r) : await announceRollback(this.deps, r);
        case 'verifying':
          return await verifyRollback(this.deps, r);
        case 'completed':
          return r.resolution === null && r.steps.complete.status === 'running' ? await announceResolution(this.deps, r) : null;
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
      return { type: 'ConfirmationFailed', at: nowIso(this.deps.clock), reason: `the rollback card could not be posted: ${describeError(err)}`, findings: null };
    }
  }
}

function crashEvent(r: Rollback, reason: string, at: string): RollbackEvent | null {
  switch (r.status) {
    case 'requested':
    case 'confirming':
      return { type: 'ConfirmationFailed', at, reason, findings: r.findings };
    case 'executing':
      return r.announcement ? { type: 'ExecutionFailed', at, reason, results: r.results ?? [] } : { type: 'AnnouncementFailed', at, step: 'announce', reason };
    case 'verifying':
      return { type: 'VerificationFailed', at, reason, evidence: r.verification ?? { health: { url: '', ok: false, attempts: 0, error: reason }, smokeTests: [] } };
    case 'completed':
      return { type: 'AnnouncementFailed', at, step: 'complete', reason };
    default:
      return null;
  }
}
