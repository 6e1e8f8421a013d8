/**
 * Drives one rollback through the runbook's steps. Each step returns an event; the event is run through the
 * state machine and persisted with compare-and-set before anything else happens, and only then is the channel
 * told. Whatever the runner was doing when the process died can be picked up from the stored state.
 */
import { describeError } from '../domain/errors';
import type { Rollback, RollbackEvent } from '../domain/rollback.machine';
import type { Log } from '../ports';
import { announceRollback } from './announce';
import { announceResolution } from './complete';
import { confirmIssue } from './confirm';
import { applyEvent, nowIso, type RunbookDeps } from './context';
import { executeRollback } from './execute';
import { verifyRollback } from './verify';

/** More than the number of events one rollback can go through; a guard against a loop, never reached. */
const MAX_EVENTS_PER_DRIVE = 20;

export class RollbackRunner {
  private readonly inFlight = new Map<string, Promise<void>>();

  constructor(private readonly deps: RunbookDeps) {}

  /** Runs the rollback as far as it can go (until it waits for a person, or ends). One drive per rollback at a time. */
  drive(id: string): Promise<void> {
    const running = this.inFlight.get(id);
    if (running) return running;
    const done = this.loop(id)
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

  private async loop(id: string): Promise<void> {
    let rollback = this.deps.store.get(id);
    if (!rollback) return;
    const log = this.deps.log.child({ rollbackId: id, env: rollback.environment });
    for (let i = 0; i < MAX_EVENTS_PER_DRIVE; i++) {
      const event = await this.nextEvent(rollback, log);
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
    }
  }

  private async nextEvent(r: Rollback, log: Log): Promise<RollbackEvent | null> {
    try {
      switch (r.status) {
        case 'requested':
          return { type: 'ConfirmationStarted', at: nowIso(this.deps.clock) };
        case 'confirming':
          return await confirmIssue(this.deps, r);
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
