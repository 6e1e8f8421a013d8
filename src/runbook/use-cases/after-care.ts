/**
 * What comes after (the runbook's checklist): ticking items, the post-mortem reminders, the incident ticket, the
 * rolled-back mark, and releasing the lock of a rollback whose outcome nobody could know.
 */
import { type ChecklistKey, tickRefusal } from '../../domain/checklist';
import { describeError } from '../../domain/errors';
import { isTerminal, statusWords } from '../../domain/rollback';
import { nowIso } from '../engine/context';
import { reminderAudience } from '../policies/audience';
import { record } from '../engine/record';
import { openTicket } from '../reports/ticket';
import { environmentNamed } from '../../config/config.schema';
import { ACTIVE_STATUSES, type Outcome, UseCase } from './use-case';

export class AfterCare extends UseCase {
  /** An incident commander ticks a checklist item the bot cannot do itself; who and when are recorded. */
  async tick(id: string, userId: string, item: ChecklistKey): Promise<Outcome> {
    const ic = await this.asIncidentCommander(id, userId, 'tick the checklist');
    if ('refused' in ic) return ic.refused;
    // The checklist offers no such button now; one left on an older copy of it changes nothing.
    const notNow = tickRefusal(ic.rollback, item);
    if (notNow) return { kind: 'refused', message: notNow };
    const applied = await record(this.deps, id, {
      type: 'ChecklistItemTicked',
      at: nowIso(this.deps.clock),
      by: userId,
      item,
    });
    return applied.ok
      ? { kind: 'ok', rollback: applied.rollback }
      : {
          kind: 'refused',
          message:
            applied.rejection.message === 'already ticked' ? 'That is already ticked.' : applied.rejection.message,
        };
  }

  /**
   * "Schedule post-mortem within 24-48 hours": two reminders in the channel, 24 h and 48 h after the end. The tick is
   * taken first (compare-and-set), so two quick clicks — on one replica or two — schedule the reminders once; if
   * Slack refuses them, the tick is taken back.
   */
  async schedulePostmortem(id: string, userId: string): Promise<Outcome> {
    const ic = await this.asIncidentCommander(id, userId, 'schedule the post-mortem');
    if ('refused' in ic) return ic.refused;
    const { rollback } = ic;
    if (!isTerminal(rollback.status))
      return { kind: 'refused', message: 'Schedule the post-mortem once the rollback has ended.' };
    const claimed = await record(this.deps, id, {
      type: 'ChecklistItemTicked',
      at: nowIso(this.deps.clock),
      by: userId,
      item: 'postmortem_scheduled',
    });
    if (!claimed.ok) return { kind: 'refused', message: 'The post-mortem reminders are already scheduled.' };
    const ended = Date.parse(rollback.steps.complete.endedAt ?? rollback.endedAt ?? rollback.updatedAt);
    try {
      for (const hours of [24, 48]) {
        const reminder = {
          kind: 'post_mortem',
          rollbackId: id,
          environment: rollback.environment,
          hours,
          by: userId,
        } as const;
        await this.deps.notifier.schedule(
          rollback.channel,
          reminder,
          new Date(Math.max(ended + hours * 3_600_000, this.deps.clock.now().getTime() + 60_000)),
          reminderAudience(reminder),
        );
      }
    } catch (err) {
      await record(this.deps, id, {
        type: 'ChecklistItemUnticked',
        at: nowIso(this.deps.clock),
        item: 'postmortem_scheduled',
        why: `the reminders could not be scheduled (${describeError(err)})`,
      });
      return { kind: 'refused', message: `The reminders could not be scheduled: ${describeError(err)}` };
    }
    return { kind: 'ok', rollback: (await this.deps.rollbacks.get(id)) ?? rollback };
  }

  /** "Create incident ticket": an incident commander asks; the ticket carries the timeline and is linked in the thread. */
  async createTicket(id: string, userId: string): Promise<Outcome> {
    const ic = await this.asIncidentCommander(id, userId, 'create the incident ticket');
    if ('refused' in ic) return ic.refused;
    const notNow = tickRefusal(ic.rollback, 'ticket_created');
    if (notNow)
      return {
        kind: 'refused',
        message: notNow === 'That is already ticked.' ? 'The incident ticket was already created.' : notNow,
      };
    const opened = await openTicket(this.deps, id, userId);
    if ('error' in opened) return { kind: 'refused', message: opened.error };
    return { kind: 'ok', rollback: (await this.deps.rollbacks.get(id)) ?? ic.rollback };
  }

  /** An outcome nobody could know (Step 3 may or may not have run): an incident commander looked, and frees the environment. */
  async releaseLock(id: string, userId: string): Promise<Outcome> {
    const ic = await this.asIncidentCommander(id, userId, 'release the lock', 'release');
    if ('refused' in ic) return ic.refused;
    const applied = await record(this.deps, id, { type: 'LockReleased', at: nowIso(this.deps.clock), by: userId });
    return applied.ok
      ? { kind: 'ok', rollback: applied.rollback }
      : { kind: 'refused', message: `Nothing to release: this rollback is ${statusWords(ic.rollback.status)}.` };
  }

  /**
   * "Investigate root cause before re-attempting deployment": an incident commander clears the environment's mark,
   * on its newest rollback whose Step 3 started (that clears the earlier ones too, so it is the only one that can).
   */
  async clearRootCause(id: string, userId: string, why?: string): Promise<Outcome> {
    const ic = await this.asIncidentCommander(id, userId, 'clear the mark');
    if ('refused' in ic) return ic.refused;
    const { rollback } = ic;
    const marks = await this.deps.rollbacks.marks(rollback.environment);
    const newest = marks[0];
    if (newest && newest.id !== rollback.id && marks.some((r) => r.id === rollback.id))
      return {
        kind: 'refused',
        message: `A later rollback of ${rollback.environment} (${newest.id}, ${statusWords(newest.status)}) changed production too: clear the mark on its card, or with \`/rollback unlock ${rollback.environment}\` once it has ended. That clears this one too.`,
      };
    const applied = await record(this.deps, id, {
      type: 'RootCauseCleared',
      at: nowIso(this.deps.clock),
      by: userId,
      ...(why ? { why } : {}),
    });
    return applied.ok
      ? { kind: 'ok', rollback: applied.rollback }
      : {
          kind: 'refused',
          message: `Nothing to clear: this rollback is ${statusWords(ic.rollback.status)}${isTerminal(ic.rollback.status) ? ' and never reached Step 3' : ''}.`,
        };
  }

  /**
   * `/rollback unlock <environment> [reason]`: the same as the card's "Root cause investigated" button, for the
   * environment's newest rollback whose Step 3 started (completed, failed or interrupted), with the reason in the
   * timeline. Opens the deploy gate.
   */
  async unlock(environment: string, userId: string, why: string): Promise<Outcome> {
    if (!environmentNamed(this.deps.config, environment))
      return { kind: 'refused', message: `There is no environment \`${environment}\` in the config.` };
    const active = (await this.deps.rollbacks.list({ environment, statuses: ACTIVE_STATUSES, limit: 5 })).find(
      (r) => !r.dryRun,
    );
    if (active)
      return {
        kind: 'refused',
        message: `${environment} has a rollback in progress (${active.id}, ${statusWords(active.status)}): deploys stay locked until it ends. Unlock it after that.`,
      };
    const [last] = await this.deps.rollbacks.marks(environment);
    if (!last) return { kind: 'refused', message: `${environment} is not locked: deploys may go ahead.` };
    return this.clearRootCause(last.id, userId, why || undefined);
  }
}
