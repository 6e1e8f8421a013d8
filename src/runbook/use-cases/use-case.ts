/**
 * What the use cases share: the runbook's dependencies, the runner, the per-user limit on recorded refusals, and who
 * may act. Each use case (requests, approval, after-care, queries, resuming) is its own class beside this one.
 */
import { randomBytes } from 'node:crypto';
import { describeError } from '../../domain/errors';
import { isTerminal, type Rollback, STATUSES } from '../../domain/rollback';
import { type RollbackEvent } from '../../domain/rollback.events';
import type { Log } from '../../ports';
import { nowIso, type RunbookDeps } from '../engine/context';
import { tell } from '../policies/audience';
import { RateLimiter } from '../policies/limits';
import type { RollbackRunner } from '../steps/runner';

/**
 * What a person is told. `message` is plain text (it may carry *emphasis* and `code`; it is escaped when shown);
 * `channel`, when set, is linked after it.
 */
export type Outcome =
  { kind: 'ok'; rollback: Rollback } | { kind: 'refused'; message: string; rollback?: Rollback; channel?: string };

/** Who asks to read a rollback's story: timelines and history are the incident team's. */
export interface Viewer {
  userId: string;
  channelId: string;
}

export type Refusal = Extract<RollbackEvent, { type: 'ApprovalRefused' | 'RequestRefused' }>;
export const PRE_APPROVAL: readonly Rollback['status'][] = ['requested', 'confirming', 'awaiting_approval'];

export interface RollbackRequest {
  environment: string;
  target: string | null;
  reason: string;
  userId: string;
  channelId: string;
  dryRun?: boolean;
}

export const ACTIVE_STATUSES = STATUSES.filter((s) => !isTerminal(s));

/** Short, readable, unique enough to say out loud in a call ("rollback rb-7k2m9q"). */
export function newRollbackId(): string {
  return `rb-${randomBytes(6)
    .toString('base64url')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, 'x')}`;
}

export interface UseCaseContext {
  deps: RunbookDeps;
  runner: RollbackRunner;
  /** Refused clicks recorded per user (beyond it they are answered, not recorded): one count across use cases. */
  refusals: RateLimiter;
}

export abstract class UseCase {
  protected readonly deps: RunbookDeps;
  protected readonly runner: RollbackRunner;
  protected readonly refusals: RateLimiter;

  constructor(ctx: UseCaseContext) {
    this.deps = ctx.deps;
    this.runner = ctx.runner;
    this.refusals = ctx.refusals;
  }

  /** Whether the user is an incident commander of the environment; a failed lookup is an error, never a yes. */
  protected isIc(userId: string, environment: string): Promise<boolean> {
    return this.deps.directory.isIncidentCommander(userId, environment);
  }

  /**
   * Records that someone was turned away: in the timeline only (the rollback, its times and its ordering stay as they
   * were), summed up in the thread. Past the per-user limit, refusals are answered but not recorded.
   */
  protected async refuse(rollback: Rollback, event: Refusal): Promise<void> {
    if (!this.refusals.take(event.by, this.deps.clock.now().getTime())) return;
    if (await this.deps.rollbacks.audit(rollback.id, event)) await tell(this.deps, rollback, event);
  }

  /**
   * The after-care buttons (checklist, ticket, post-mortem, clearing the mark) are an incident commander's: loads the
   * rollback and checks the user, recording a refusal in the timeline.
   */
  protected async asIncidentCommander(
    id: string,
    userId: string,
    what: string,
    action: 'tick' | 'release' = 'tick',
  ): Promise<{ rollback: Rollback } | { refused: Outcome }> {
    const rollback = await this.deps.rollbacks.get(id);
    if (!rollback) return { refused: { kind: 'refused', message: `There is no rollback \`${id}\`.` } };
    const may = await this.mayAct(userId, rollback.environment, this.deps.log.child({ rollbackId: id, userId }));
    if ('refused' in may) return may;
    if (!may.allowed) {
      await this.refuse(rollback, {
        type: 'ApprovalRefused',
        at: nowIso(this.deps.clock),
        by: userId,
        action: action === 'release' ? 'cancel' : 'tick',
        why: 'not an incident commander',
      });
      return {
        refused: {
          kind: 'refused',
          message: `Only an incident commander can ${what}. Ask one of them in this channel.`,
        },
      };
    }
    return { rollback };
  }

  /** Whether the user may act (approve, cancel, acknowledge, after-care); a failed lookup is said to the user, never taken as a yes. */
  protected async mayAct(
    userId: string,
    environment: string,
    log: Log,
  ): Promise<{ allowed: boolean } | { refused: Outcome }> {
    try {
      return { allowed: await this.isIc(userId, environment) };
    } catch (err) {
      log.warn({ err }, 'incident commander lookup failed');
      return {
        refused: {
          kind: 'refused',
          message: `Could not check whether you are an incident commander (${describeError(err)}). Try again in a moment.`,
        },
      };
    }
  }

  protected unknownEnvironment(name: string): string {
    const known = Object.keys(this.deps.config.environments)
      .map((e) => `\`${e}\``)
      .join(', ');
    return `There is no environment \`${name}\`. Configured: ${known}.`;
  }
}
