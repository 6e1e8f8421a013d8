/**
 * What people can ask of the bot: request a rollback, approve or cancel it, see what is going on.
 * Listeners call these and render the outcome; nothing here knows about Slack payloads.
 */
import { randomBytes } from 'node:crypto';
import { environmentNamed } from '../config/config.schema';
import type { ChecklistKey } from '../domain/checklist';
import { RUNBOOK_THRESHOLDS } from '../domain/criteria';
import { mentionsOf } from '../domain/mentions';
import { describeError } from '../domain/errors';
import {
  isTerminal,
  newRollback,
  RISK_LABEL,
  type Risk,
  type Rollback,
  type RollbackEvent,
  STATUSES,
  statusWords,
  TERMINAL_STATUSES,
  unacknowledged,
} from '../domain/rollback.machine';
import type { Log } from '../ports';
import { type Applied, applyEvent, nowIso, type RunbookDeps } from './context';
import { proposeTarget } from './confirm';
import { openTicket } from './ticket';
import { markdownTimeline } from './timeline';
import type { RollbackRunner } from './runner';

export type Outcome = { kind: 'ok'; rollback: Rollback } | { kind: 'refused'; message: string; rollback?: Rollback };

export interface RollbackRequest {
  environment: string;
  target: string | null;
  reason: string;
  userId: string;
  channelId: string;
  dryRun?: boolean;
}

const ACTIVE_STATUSES = STATUSES.filter((s) => !isTerminal(s));

/** Short, readable, unique enough to say out loud in a call ("rollback rb-7k2m9q"). */
export function newRollbackId(): string {
  return `rb-${randomBytes(6).toString('base64url').toLowerCase().replace(/[^a-z0-9]/g, 'x')}`;
}

export class RollbackService {
  constructor(
    private readonly deps: RunbookDeps,
    private readonly runner: RollbackRunner,
  ) {}

  async request(req: RollbackRequest): Promise<Outcome> {
    const env = environmentNamed(this.deps.config, req.environment);
    if (!env) return { kind: 'refused', message: this.unknownEnvironment(req.environment) };
    if (env.requests_from === 'channel' && req.channelId !== env.channel) {
      const why = `requested from <#${req.channelId}>, not the incident channel`;
      this.deps.store.recordRefusal({ at: nowIso(this.deps.clock), userId: req.userId, environment: req.environment, action: 'request', why });
      return { kind: 'refused', message: `Rollbacks of ${req.environment} are requested in <#${env.channel}>, so the whole incident team sees them. Run the command there.` };
    }
    const draft = newRollback({
      id: newRollbackId(),
      environment: req.environment,
      channel: env.channel,
      requestedBy: req.userId,
      at: nowIso(this.deps.clock),
      reason: req.reason,
      requestedTarget: req.target,
      dryRun: req.dryRun ?? false,
      strategy: env.strategy,
    });
    const created = this.deps.store.create(draft);
    if (!created.ok) {
      const status = statusWords(created.active.status);
      await this.record(created.active.id, { type: 'RequestRefused', at: nowIso(this.deps.clock), by: req.userId, why: `rollback ${created.active.id} is ${status}` });
      return {
        kind: 'refused',
        message: `${req.environment} already has a rollback in progress (${created.active.id}, ${status}). Follow it there.`,
        rollback: created.active,
      };
    }
    const log = this.deps.log.child({ rollbackId: draft.id, env: req.environment, userId: req.userId });
    log.info({ target: req.target }, 'rollback requested');
    try {
      const card = await this.deps.notifier.postCard(created.rollback);
      const posted = applyEvent(this.deps.store, draft.id, { type: 'CardPosted', at: nowIso(this.deps.clock), card });
      if (!posted.ok) return { kind: 'refused', message: `The rollback could not start: ${posted.rejection.message}` };
    } catch (err) {
      log.error({ err }, 'could not post the rollback card');
      const reason = `the rollback card could not be posted in <#${env.channel}>: ${describeError(err)}`;
      applyEvent(this.deps.store, draft.id, { type: 'ConfirmationFailed', at: nowIso(this.deps.clock), reason, findings: null });
      return { kind: 'refused', message: `Nothing was started: ${reason}` };
    }
    await this.postChecklist(draft.id, log);
    void this.runner.drive(draft.id);
    return { kind: 'ok', rollback: this.deps.store.get(draft.id) ?? created.rollback };
  }

  /**
   * A user report ("User-reported issues: 3+ unique reports → evaluate, likely rollback"). The report that makes the
   * unique reporters within the window reach the threshold posts the alert in the channel, once per window, unless
   * a rollback is already under way.
   */
  async report(req: { environment: string; text: string; userId: string }): Promise<{ kind: 'ok'; message: string } | { kind: 'refused'; message: string }> {
    const env = environmentNamed(this.deps.config, req.environment);
    if (!env) return { kind: 'refused', message: this.unknownEnvironment(req.environment) };
    const now = this.deps.clock.now();
    const window = env.criteria.reports_window_minutes;
    const threshold = env.criteria.thresholds.user_reports ?? RUNBOOK_THRESHOLDS.user_reports;
    this.deps.store.recordReport({ environment: req.environment, userId: req.userId, text: req.text, at: now.toISOString() });
    const since = new Date(now.getTime() - window * 60_000).toISOString();
    const reporters = this.deps.store.uniqueReporters(req.environment, since);
    const lastAlert = this.deps.store.lastReportAlert(req.environment);
    const active = this.deps.store.list({ environment: req.environment, statuses: ACTIVE_STATUSES, limit: 1 })[0];
    if (reporters.length >= threshold && (lastAlert === null || lastAlert < since) && !active) {
      this.deps.store.recordReportAlert(req.environment, now.toISOString());
      try {
        await this.deps.notifier.reportsAlert({ environment: req.environment, channel: env.channel, reporters, reports: this.deps.store.reportTexts(req.environment, since, 5), windowMinutes: window });
      } catch (err) {
        this.deps.log.warn({ err, environment: req.environment }, 'could not post the user-reports alert');
      }
    }
    return {
      kind: 'ok',
      message: `Thanks, recorded. ${reporters.length} unique reporter${reporters.length === 1 ? '' : 's'} for ${req.environment} in the last ${window} min (${threshold} make it "Evaluate, likely rollback").`,
    };
  }

  /** The version Step 1 would propose, for the form's prefill: Docker only, no health checks. */
  async proposalFor(environment: string): Promise<string | null> {
    const env = environmentNamed(this.deps.config, environment);
    if (!env) return null;
    if (env.strategy !== 'docker') {
      // Without Docker's PreviousSpec, only what this bot verified before (a health check would be too slow here).
      return this.deps.store.lastVerifiedVersion(environment, environment);
    }
    const services = await Promise.all(
      env.services.map(async (s) => {
        const running = await this.deps.runtime.inspectService(s.docker_service);
        return { service: s.name, dockerService: s.docker_service, version: running.version, previousVersion: running.previousVersion };
      }),
    );
    const draft = newRollback({ id: 'proposal', environment, channel: env.channel, requestedBy: '', at: nowIso(this.deps.clock), reason: '', requestedTarget: null });
    return proposeTarget(this.deps, draft, services).target;
  }

  /** What is wrong with a request before it is made, for the form's inline errors (no I/O beyond the store). */
  precheck(environment: string): string | null {
    if (!environmentNamed(this.deps.config, environment)) return this.unknownEnvironment(environment);
    const active = this.deps.store.list({ environment, statuses: ACTIVE_STATUSES, limit: 1 })[0];
    return active ? `${environment} already has a rollback in progress (${active.id}).` : null;
  }

  /** The runbook's checklist as one live message in the card's thread. Without it the rollback still runs. */
  private async postChecklist(id: string, log: Log): Promise<void> {
    const rollback = this.deps.store.get(id);
    if (!rollback) return;
    try {
      const message = await this.deps.notifier.postChecklist(rollback);
      applyEvent(this.deps.store, id, { type: 'ChecklistPosted', at: nowIso(this.deps.clock), message });
    } catch (err) {
      log.warn({ err }, 'could not post the checklist');
    }
  }

  /** An incident commander ticks a checklist item the bot cannot do itself; who and when are recorded. */
  async tick(id: string, userId: string, item: ChecklistKey): Promise<Outcome> {
    const ic = await this.asIncidentCommander(id, userId, 'tick the checklist');
    if ('refused' in ic) return ic.refused;
    const applied = await this.record(id, { type: 'ChecklistItemTicked', at: nowIso(this.deps.clock), by: userId, item });
    return applied.ok ? { kind: 'ok', rollback: applied.rollback } : { kind: 'refused', message: applied.rejection.message };
  }

  /** "Schedule post-mortem within 24-48 hours": two reminders in the channel, 24 h and 48 h after the end. */
  async schedulePostmortem(id: string, userId: string): Promise<Outcome> {
    const ic = await this.asIncidentCommander(id, userId, 'schedule the post-mortem');
    if ('refused' in ic) return ic.refused;
    const { rollback } = ic;
    if (!isTerminal(rollback.status)) return { kind: 'refused', message: 'Schedule the post-mortem once the rollback has ended.' };
    const ended = Date.parse(rollback.steps.complete.endedAt ?? rollback.updatedAt);
    const mentions = `<@${userId}> ${mentionsOf(this.deps.config.roles.incident_commanders)}`;
    try {
      for (const hours of [24, 48]) {
        const text = `:calendar: Post-mortem for rollback ${id} of ${rollback.environment}${hours === 48 ? ' — last day of the runbook\'s 24–48 h window' : ''}: hold it, and paste \`/rollback timeline ${id}\` into the document. ${mentions}`;
        await this.deps.notifier.schedule(rollback.channel, text, new Date(Math.max(ended + hours * 3_600_000, this.deps.clock.now().getTime() + 60_000)));
      }
    } catch (err) {
      return { kind: 'refused', message: `The reminders could not be scheduled: ${describeError(err)}` };
    }
    return this.tick(id, userId, 'postmortem_scheduled');
  }

  /** "Create incident ticket": an incident commander asks; the ticket carries the timeline and is linked in the thread. */
  async createTicket(id: string, userId: string): Promise<Outcome> {
    const ic = await this.asIncidentCommander(id, userId, 'create the incident ticket');
    if ('refused' in ic) return ic.refused;
    const opened = await openTicket(this.deps, id, userId);
    if ('error' in opened) return { kind: 'refused', message: opened.error };
    return { kind: 'ok', rollback: this.deps.store.get(id) ?? ic.rollback };
  }

  /** "Investigate root cause before re-attempting deployment": an incident commander clears the environment's mark. */
  async clearRootCause(id: string, userId: string): Promise<Outcome> {
    const ic = await this.asIncidentCommander(id, userId, 'clear the mark');
    if ('refused' in ic) return ic.refused;
    const applied = await this.record(id, { type: 'RootCauseCleared', at: nowIso(this.deps.clock), by: userId });
    return applied.ok ? { kind: 'ok', rollback: applied.rollback } : { kind: 'refused', message: `Nothing to clear: this rollback is ${statusWords(ic.rollback.status)}.` };
  }

  /** The deployment log: finished rollbacks, newest first. */
  history(environment: string | null, limit = 20): Rollback[] {
    return this.deps.store.list({ statuses: TERMINAL_STATUSES, environment: environment ?? undefined, limit });
  }

  timeline(id: string): { kind: 'ok'; markdown: string } | { kind: 'refused'; message: string } {
    const rollback = this.deps.store.get(id);
    if (!rollback) return { kind: 'refused', message: `There is no rollback \`${id}\`.` };
    return { kind: 'ok', markdown: markdownTimeline(rollback, this.deps.store.timeline(id)) };
  }

  /** Applies the event and, when it took, tells the channel. */
  private async record(id: string, event: RollbackEvent): Promise<Applied> {
    const applied = applyEvent(this.deps.store, id, event);
    if (applied.ok) await this.deps.notifier.progress(applied.rollback, event);
    return applied;
  }

  /**
   * The after-care buttons (checklist, ticket, post-mortem, clearing the mark) are an incident commander's: loads the
   * rollback and checks the user, recording a refusal in the timeline.
   */
  private async asIncidentCommander(id: string, userId: string, what: string): Promise<{ rollback: Rollback } | { refused: Outcome }> {
    const rollback = this.deps.store.get(id);
    if (!rollback) return { refused: { kind: 'refused', message: `There is no rollback \`${id}\`.` } };
    const may = await this.mayDecide(userId, this.deps.log.child({ rollbackId: id, userId }));
    if ('refused' in may) return may;
    if (!may.allowed) {
      await this.record(id, { type: 'ApprovalRefused', at: nowIso(this.deps.clock), by: userId, action: 'tick', why: 'not an incident commander' });
      return { refused: { kind: 'refused', message: `Only an incident commander can ${what}. Ask one of them in this channel.` } };
    }
    return { rollback };
  }

  /** Whether the user may decide; a failed lookup is said to the user, never taken as a yes. */
  private async mayDecide(userId: string, log: Log): Promise<{ allowed: boolean } | { refused: Outcome }> {
    try {
      return { allowed: await this.deps.directory.isIncidentCommander(userId) };
    } catch (err) {
      log.warn({ err }, 'incident commander lookup failed');
      return { refused: { kind: 'refused', message: `Could not check whether you are an incident commander (${describeError(err)}). Try again in a moment.` } };
    }
  }

  private unknownEnvironment(name: string): string {
    const known = Object.keys(this.deps.config.environments).map((e) => `\`${e}\``).join(', ');
    return `There is no environment \`${name}\`. Configured: ${known}.`;
  }

  async approve(id: string, userId: string): Promise<Outcome> {
    return this.decide(id, userId, 'approve');
  }

  /** An incident commander explicitly accepts a risk the findings raised (no criterion met, migrations). */
  async acknowledge(id: string, userId: string, risk: Risk): Promise<Outcome> {
    const rollback = this.deps.store.get(id);
    if (!rollback) return { kind: 'refused', message: `There is no rollback \`${id}\`.` };
    const may = await this.mayDecide(userId, this.deps.log.child({ rollbackId: id, userId }));
    if ('refused' in may) return may.refused;
    const at = nowIso(this.deps.clock);
    if (!may.allowed) {
      await this.record(id, { type: 'ApprovalRefused', at, by: userId, action: 'approve', why: `not an incident commander (tried: ${RISK_LABEL[risk]})` });
      return { kind: 'refused', message: 'Only an incident commander can acknowledge this. Ask one of them in this channel.' };
    }
    const applied = await this.record(id, { type: 'RiskAcknowledged', at, by: userId, risk });
    if (!applied.ok) return { kind: 'refused', message: `This rollback is already ${statusWords(rollback.status)}; nothing was acknowledged.` };
    return { kind: 'ok', rollback: applied.rollback };
  }

  async cancel(id: string, userId: string): Promise<Outcome> {
    return this.decide(id, userId, 'cancel');
  }

  private async decide(id: string, userId: string, action: 'approve' | 'cancel'): Promise<Outcome> {
    const rollback = this.deps.store.get(id);
    if (!rollback) return { kind: 'refused', message: `There is no rollback \`${id}\`.` };
    if (isTerminal(rollback.status)) {
      return { kind: 'refused', message: `This rollback is already ${rollback.status}; nothing was done.`, rollback };
    }
    const log = this.deps.log.child({ rollbackId: id, env: rollback.environment, userId });
    const may = await this.mayDecide(userId, log);
    if ('refused' in may) return may.refused;
    const at = nowIso(this.deps.clock);
    const refuse = async (why: string, message: string): Promise<Outcome> => {
      await this.record(id, { type: 'ApprovalRefused', at, by: userId, action, why });
      log.info({ action, why }, 'refused');
      return { kind: 'refused', message };
    };
    if (!may.allowed) return refuse('not an incident commander', `Only an incident commander can ${action} a rollback. Ask one of them in this channel.`);
    const env = environmentNamed(this.deps.config, rollback.environment);
    if (action === 'approve' && env?.approval.require_different_approver && userId === rollback.requestedBy) {
      return refuse('the requester cannot approve their own rollback here', `${rollback.environment} needs a second person: another incident commander must approve the rollback you requested.`);
    }
    const pending = action === 'approve' && rollback.status === 'awaiting_approval' ? unacknowledged(rollback) : [];
    if (pending.length > 0) {
      const needs = pending.map((risk) => `*${RISK_LABEL[risk]}*`).join(' and ');
      return refuse(`needs an explicit acknowledgement first (${pending.join(', ')})`, `Not yet: press ${needs} on the card first; then Approve. ${pending.includes('no_criterion') ? 'No decision criterion is met. ' : ''}${pending.includes('migrations') ? 'The bad deployment may include database migrations.' : ''}`.trim());
    }
    const event = action === 'approve' ? ({ type: 'ApprovalGranted', at, by: userId } as const) : ({ type: 'RollbackCancelled', at, by: userId } as const);
    const applied = await this.record(id, event);
    if (!applied.ok) {
      const now = this.deps.store.get(id);
      return { kind: 'refused', message: `This rollback is already ${now ? statusWords(now.status) : 'gone'}; your ${action} changed nothing.`, rollback: now ?? undefined };
    }
    log.info({ action }, action === 'approve' ? 'rollback approved' : 'rollback cancelled');
    if (action === 'approve') void this.runner.drive(id);
    return { kind: 'ok', rollback: applied.rollback };
  }

  status(recentLimit = 5): { active: Rollback[]; recent: Rollback[]; marked: Rollback[] } {
    // An environment stays *rolled back* until an incident commander clears its last completed rollback.
    const marked = Object.keys(this.deps.config.environments).flatMap((environment) => {
      const [last] = this.deps.store.list({ environment, statuses: ['completed'], limit: 1 });
      return last && !last.rootCauseCleared ? [last] : [];
    });
    return {
      active: this.deps.store.list({ statuses: ACTIVE_STATUSES, limit: 50 }),
      recent: this.deps.store.list({ statuses: TERMINAL_STATUSES, limit: recentLimit }),
      marked,
    };
  }

  /**
   * Picks up every rollback that should be moving but that no live instance drives (after a restart, or when
   * another replica died). Step 1 is read-only and is redone; Step 3 first checks that production still matches
   * what the rollback left (else it is marked interrupted), re-reads Docker and does not update a service that
   * already points at the target; Step 4 re-verifies.
   */
  async resumeOrphans(): Promise<Rollback[]> {
    const orphans = this.deps.store.orphans(this.deps.clock.now().getTime(), this.runner.owner, 100).filter((r) => !this.runner.isDriving(r.id));
    for (const r of orphans) {
      this.deps.log.info({ rollbackId: r.id, status: r.status }, 'resuming a rollback nobody was driving');
      await this.deps.notifier.progress(r, {
        type: 'Note',
        at: nowIso(this.deps.clock),
        text: `:recycle: The bot that was driving this rollback stopped; resuming from *${statusWords(r.status)}*.`,
      });
      void this.runner.drive(r.id, { resumed: true });
    }
    return orphans;
  }
}
