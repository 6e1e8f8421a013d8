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
  BOT_REQUESTER,
  isTerminal,
  newRollback,
  type Rollback,
  type RollbackEvent,
  STATUSES,
  statusWords,
  strategyOf,
  TERMINAL_STATUSES,
} from '../domain/rollback.machine';
import { type ServiceVersion } from '../domain/findings';
import { RISK_LABEL, type Risk, unacknowledged } from '../domain/risks';
import type { Log } from '../ports';
import { environmentOf, nowIso, type RunbookDeps } from './context';
import { record } from './record';
import { proposeTarget } from './confirm';
import { RateLimiter } from './limits';
import { STRATEGY } from './strategies';
import { openTicket } from './ticket';
import { markdownTimeline } from './timeline';
import type { RollbackRunner } from './runner';

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

type Refusal = Extract<RollbackEvent, { type: 'ApprovalRefused' | 'RequestRefused' }>;
const PRE_APPROVAL: readonly Rollback['status'][] = ['requested', 'confirming', 'awaiting_approval'];

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
  return `rb-${randomBytes(6)
    .toString('base64url')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, 'x')}`;
}

export class RollbackService {
  private readonly requests: RateLimiter;
  private readonly reports: RateLimiter;
  private readonly refusals: RateLimiter;

  constructor(
    private readonly deps: RunbookDeps,
    private readonly runner: RollbackRunner,
  ) {
    const { limits } = deps.config;
    this.requests = new RateLimiter(limits.requests.count, limits.requests.window_minutes * 60_000);
    this.reports = new RateLimiter(limits.reports.count, limits.reports.window_minutes * 60_000);
    this.refusals = new RateLimiter(limits.refusals.count, limits.refusals.window_minutes * 60_000);
  }

  /** Whether the user is an incident commander of the environment; a failed lookup is an error, never a yes. */
  private isIc(userId: string, environment: string): Promise<boolean> {
    return this.deps.directory.isIncidentCommander(userId, environment);
  }

  async request(req: RollbackRequest): Promise<Outcome> {
    const env = environmentNamed(this.deps.config, req.environment);
    if (!env) return { kind: 'refused', message: this.unknownEnvironment(req.environment) };
    const now = this.deps.clock.now().getTime();
    if (req.userId !== BOT_REQUESTER && !this.requests.take(req.userId, now)) {
      const { count, window_minutes } = this.deps.config.limits.requests;
      return {
        kind: 'refused',
        message: `Too many requests: you asked for ${count} rollbacks in the last ${window_minutes} min. Slow down, or ask an incident commander.`,
      };
    }
    if (env.requests_from === 'channel' && req.channelId !== env.channel) {
      const why = `requested from channel ${req.channelId}, not the incident channel`;
      this.deps.store.recordRefusal({
        at: nowIso(this.deps.clock),
        userId: req.userId,
        environment: req.environment,
        action: 'request',
        why,
      });
      return {
        kind: 'refused',
        message: `Rollbacks of ${req.environment} are requested in their incident channel, so the whole incident team sees them. Run the command there:`,
        channel: env.channel,
      };
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
    let created = this.deps.store.create(draft, this.runner.newLease());
    if (!created.ok && (await this.supersedes(req, created.active)))
      created = this.deps.store.create(draft, this.runner.newLease());
    if (!created.ok) {
      const status = statusWords(created.active.status);
      await this.refuse(created.active, {
        type: 'RequestRefused',
        at: nowIso(this.deps.clock),
        by: req.userId,
        why: `rollback ${created.active.id} is ${status}`,
      });
      return {
        kind: 'refused',
        message: `${req.environment} already has a rollback in progress (${created.active.id}, ${status}). Follow it there.`,
        rollback: created.active,
      };
    }
    const log = this.deps.log.child({ rollbackId: draft.id, env: req.environment, userId: req.userId });
    log.info({ target: req.target }, 'rollback requested');
    const first = created.rollback;
    // Ours from the first write: the lease was taken with it, and the runner counts it as driven while the card is
    // posted (a slow Slack must not let the sweep post a second card).
    const started = await this.runner.own(draft.id, async (): Promise<Outcome | null> => {
      try {
        const card = await this.deps.notifier.postCard(first);
        // The card shows itself: nothing more to tell.
        const posted = await record(
          this.deps,
          draft.id,
          { type: 'CardPosted', at: nowIso(this.deps.clock), card },
          { tell: false },
        );
        if (!posted.ok)
          return { kind: 'refused', message: `The rollback could not start: ${posted.rejection.message}` };
      } catch (err) {
        log.error({ err }, 'could not post the rollback card');
        const reason = `the rollback card could not be posted in the incident channel (${env.channel}): ${describeError(err)}`;
        // No card to tell: the requester hears it in private.
        await record(
          this.deps,
          draft.id,
          { type: 'ConfirmationFailed', at: nowIso(this.deps.clock), reason, findings: null },
          { tell: false },
        );
        return { kind: 'refused', message: `Nothing was started: ${reason}` };
      }
      await this.postChecklist(draft.id, log);
      return null;
    });
    if (started) return started;
    void this.runner.drive(draft.id);
    return { kind: 'ok', rollback: this.deps.store.get(draft.id) ?? first };
  }

  /**
   * Who may hold an environment's lock: a request nobody has approved yet, made by someone who is not an incident
   * commander (or proposed by the bot), gives way to an incident commander's request — it is cancelled, saying so.
   */
  private async supersedes(req: RollbackRequest, active: Rollback): Promise<boolean> {
    if (!PRE_APPROVAL.includes(active.status) || req.userId === BOT_REQUESTER) return false;
    try {
      if (!(await this.isIc(req.userId, req.environment))) return false;
      if (active.requestedBy !== BOT_REQUESTER && (await this.isIc(active.requestedBy, active.environment)))
        return false;
    } catch (err) {
      this.deps.log.warn({ err }, 'incident commander lookup failed; not superseding');
      return false;
    }
    const applied = await record(this.deps, active.id, {
      type: 'RollbackCancelled',
      at: nowIso(this.deps.clock),
      by: req.userId,
      why: 'superseded by an incident commander’s request',
    });
    return applied.ok;
  }

  /**
   * Records that someone was turned away: in the timeline only (the rollback, its times and its ordering stay as they
   * were), summed up in the thread. Past the per-user limit, refusals are answered but not recorded.
   */
  private async refuse(rollback: Rollback, event: Refusal): Promise<void> {
    if (!this.refusals.take(event.by, this.deps.clock.now().getTime())) return;
    if (this.deps.store.audit(rollback.id, event)) await this.deps.notifier.progress(rollback, event);
  }

  /**
   * A user report ("User-reported issues: 3+ unique reports → evaluate, likely rollback"). The report that makes the
   * unique reporters within the window reach the threshold posts the alert in the channel, once per window, unless
   * a rollback is already under way.
   */
  async report(req: {
    environment: string;
    text: string;
    userId: string;
  }): Promise<{ kind: 'ok'; message: string } | { kind: 'refused'; message: string }> {
    const env = environmentNamed(this.deps.config, req.environment);
    if (!env) return { kind: 'refused', message: this.unknownEnvironment(req.environment) };
    const now = this.deps.clock.now();
    if (!this.reports.take(req.userId, now.getTime())) {
      const { count, window_minutes } = this.deps.config.limits.reports;
      return {
        kind: 'refused',
        message: `Too many reports: you sent ${count} in the last ${window_minutes} min, and each reporter counts once anyway. Thanks — it is recorded.`,
      };
    }
    const window = env.criteria.reports_window_minutes;
    const threshold = env.criteria.thresholds.user_reports ?? RUNBOOK_THRESHOLDS.user_reports;
    this.deps.store.recordReport({
      environment: req.environment,
      userId: req.userId,
      text: req.text,
      at: now.toISOString(),
    });
    const since = new Date(now.getTime() - window * 60_000).toISOString();
    const reporters = this.deps.store.uniqueReporters(req.environment, since);
    const lastAlert = this.deps.store.lastReportAlert(req.environment);
    const active = this.deps.store.list({ environment: req.environment, statuses: ACTIVE_STATUSES, limit: 1 })[0];
    if (reporters.length >= threshold && (lastAlert === null || lastAlert < since) && !active) {
      this.deps.store.recordReportAlert(req.environment, now.toISOString());
      try {
        await this.deps.notifier.reportsAlert({
          environment: req.environment,
          channel: env.channel,
          reporters,
          reports: this.deps.store.reportTexts(req.environment, since, 5),
          windowMinutes: window,
        });
      } catch (err) {
        this.deps.log.warn({ err, environment: req.environment }, 'could not post the user-reports alert');
      }
    }
    return {
      kind: 'ok',
      message: `Thanks, recorded. ${reporters.length} unique reporter${reporters.length === 1 ? '' : 's'} for ${req.environment} in the last ${window} min (${threshold} make it "Evaluate, likely rollback").`,
    };
  }

  /** The version Step 1 would propose, for the form's prefill: what runs now, without health checks (it must be fast). */
  async proposalFor(environment: string): Promise<string | null> {
    const env = environmentNamed(this.deps.config, environment);
    if (!env) return null;
    const draft = newRollback({
      id: 'proposal',
      environment,
      channel: env.channel,
      requestedBy: '',
      at: nowIso(this.deps.clock),
      reason: '',
      requestedTarget: null,
      strategy: env.strategy,
    });
    const services = await STRATEGY[env.strategy].currentVersions(this.deps, draft, env, { probe: false });
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
      await record(this.deps, id, { type: 'ChecklistPosted', at: nowIso(this.deps.clock), message }, { tell: false });
    } catch (err) {
      log.warn({ err }, 'could not post the checklist');
    }
  }

  /** An incident commander ticks a checklist item the bot cannot do itself; who and when are recorded. */
  async tick(id: string, userId: string, item: ChecklistKey): Promise<Outcome> {
    const ic = await this.asIncidentCommander(id, userId, 'tick the checklist');
    if ('refused' in ic) return ic.refused;
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
    const env = environmentOf(this.deps.config, rollback);
    const mentions = `<@${userId}> ${mentionsOf(env.incident_commanders ?? this.deps.config.roles.incident_commanders)}`;
    try {
      for (const hours of [24, 48]) {
        const text = `:calendar: Post-mortem for rollback ${id} of ${rollback.environment}${hours === 48 ? " — last day of the runbook's 24–48 h window" : ''}: hold it, and paste \`/rollback timeline ${id}\` into the document. ${mentions}`;
        await this.deps.notifier.schedule(
          rollback.channel,
          text,
          new Date(Math.max(ended + hours * 3_600_000, this.deps.clock.now().getTime() + 60_000)),
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
    return { kind: 'ok', rollback: this.deps.store.get(id) ?? rollback };
  }

  /** "Create incident ticket": an incident commander asks; the ticket carries the timeline and is linked in the thread. */
  async createTicket(id: string, userId: string): Promise<Outcome> {
    const ic = await this.asIncidentCommander(id, userId, 'create the incident ticket');
    if ('refused' in ic) return ic.refused;
    const opened = await openTicket(this.deps, id, userId);
    if ('error' in opened) return { kind: 'refused', message: opened.error };
    return { kind: 'ok', rollback: this.deps.store.get(id) ?? ic.rollback };
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

  /** "Investigate root cause before re-attempting deployment": an incident commander clears the environment's mark. */
  async clearRootCause(id: string, userId: string): Promise<Outcome> {
    const ic = await this.asIncidentCommander(id, userId, 'clear the mark');
    if ('refused' in ic) return ic.refused;
    const applied = await record(this.deps, id, { type: 'RootCauseCleared', at: nowIso(this.deps.clock), by: userId });
    return applied.ok
      ? { kind: 'ok', rollback: applied.rollback }
      : { kind: 'refused', message: `Nothing to clear: this rollback is ${statusWords(ic.rollback.status)}.` };
  }

  /**
   * Who may read an environment's story (reasons, evidence, who did what): anyone in its incident channel, and its
   * incident commanders anywhere.
   */
  private async mayRead(environment: string, viewer: Viewer): Promise<boolean> {
    const env = environmentNamed(this.deps.config, environment);
    if (env && viewer.channelId === env.channel) return true;
    return this.isIc(viewer.userId, environment).catch(() => false);
  }

  /** The deployment log: finished rollbacks, newest first, of the environments the viewer may read. */
  async history(environment: string | null, viewer: Viewer, limit = 20): Promise<Rollback[]> {
    const names = environment === null ? Object.keys(this.deps.config.environments) : [environment];
    const readable = (await Promise.all(names.map(async (n) => ((await this.mayRead(n, viewer)) ? n : null)))).filter(
      (n): n is string => n !== null,
    );
    if (readable.length === 0) return [];
    const all = this.deps.store.list({
      statuses: TERMINAL_STATUSES,
      environment: environment ?? undefined,
      limit: environment === null ? limit * 4 : limit,
    });
    return all.filter((r) => readable.includes(r.environment)).slice(0, limit);
  }

  async timeline(
    id: string,
    viewer: Viewer,
  ): Promise<{ kind: 'ok'; markdown: string } | { kind: 'refused'; message: string }> {
    const rollback = this.deps.store.get(id);
    if (!rollback) return { kind: 'refused', message: `There is no rollback \`${id}\`.` };
    if (!(await this.mayRead(rollback.environment, viewer))) {
      return {
        kind: 'refused',
        message: `The timeline of ${id} is for the incident team: ask in the incident channel of ${rollback.environment}, or ask an incident commander.`,
      };
    }
    const markdown = markdownTimeline(rollback, this.deps.store.timeline(id));
    return { kind: 'ok', markdown: this.deps.redactor ? this.deps.redactor.text(markdown) : markdown };
  }

  /**
   * The after-care buttons (checklist, ticket, post-mortem, clearing the mark) are an incident commander's: loads the
   * rollback and checks the user, recording a refusal in the timeline.
   */
  private async asIncidentCommander(
    id: string,
    userId: string,
    what: string,
    action: 'tick' | 'release' = 'tick',
  ): Promise<{ rollback: Rollback } | { refused: Outcome }> {
    const rollback = this.deps.store.get(id);
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
  private async mayAct(
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

  private unknownEnvironment(name: string): string {
    const known = Object.keys(this.deps.config.environments)
      .map((e) => `\`${e}\``)
      .join(', ');
    return `There is no environment \`${name}\`. Configured: ${known}.`;
  }

  async approve(id: string, userId: string): Promise<Outcome> {
    return this.approveOrCancel(id, userId, 'approve');
  }

  /** An incident commander explicitly accepts a risk the findings raised (no criterion met, migrations). */
  async acknowledge(id: string, userId: string, risk: Risk): Promise<Outcome> {
    const rollback = this.deps.store.get(id);
    if (!rollback) return { kind: 'refused', message: `There is no rollback \`${id}\`.` };
    const may = await this.mayAct(userId, rollback.environment, this.deps.log.child({ rollbackId: id, userId }));
    if ('refused' in may) return may.refused;
    const at = nowIso(this.deps.clock);
    if (!may.allowed) {
      await this.refuse(rollback, {
        type: 'ApprovalRefused',
        at,
        by: userId,
        action: 'approve',
        why: `not an incident commander (tried: ${RISK_LABEL[risk]})`,
      });
      return {
        kind: 'refused',
        message: 'Only an incident commander can acknowledge this. Ask one of them in this channel.',
      };
    }
    const applied = await record(this.deps, id, { type: 'RiskAcknowledged', at, by: userId, risk });
    if (!applied.ok)
      return {
        kind: 'refused',
        message: `This rollback is already ${statusWords(rollback.status)}; nothing was acknowledged.`,
      };
    return { kind: 'ok', rollback: applied.rollback };
  }

  async cancel(id: string, userId: string): Promise<Outcome> {
    return this.approveOrCancel(id, userId, 'cancel');
  }

  private async approveOrCancel(id: string, userId: string, action: 'approve' | 'cancel'): Promise<Outcome> {
    const rollback = this.deps.store.get(id);
    if (!rollback) return { kind: 'refused', message: `There is no rollback \`${id}\`.` };
    if (isTerminal(rollback.status)) {
      return { kind: 'refused', message: `This rollback is already ${rollback.status}; nothing was done.`, rollback };
    }
    const log = this.deps.log.child({ rollbackId: id, env: rollback.environment, userId });
    const may = await this.mayAct(userId, rollback.environment, log);
    if ('refused' in may) return may.refused;
    const at = nowIso(this.deps.clock);
    const refuse = async (why: string, message: string): Promise<Outcome> => {
      await this.refuse(rollback, { type: 'ApprovalRefused', at, by: userId, action, why });
      log.info({ action, why }, 'refused');
      return { kind: 'refused', message };
    };
    // The requester may take back their own request, as long as nobody approved it.
    const ownRequest = action === 'cancel' && userId === rollback.requestedBy && PRE_APPROVAL.includes(rollback.status);
    if (!may.allowed && !ownRequest)
      return refuse(
        'not an incident commander',
        `Only an incident commander can ${action} a rollback. Ask one of them in this channel.`,
      );
    const env = environmentNamed(this.deps.config, rollback.environment);
    if (action === 'approve' && rollback.status === 'awaiting_approval' && env) {
      const expiresAt =
        Date.parse(rollback.steps.confirm.endedAt ?? rollback.updatedAt) + env.approval.expires_after_ms;
      if (this.deps.clock.now().getTime() >= expiresAt) {
        await this.expire(rollback, env.approval.expires_after_ms);
        return {
          kind: 'refused',
          message: `This rollback expired: nobody approved it within ${Math.round(env.approval.expires_after_ms / 60_000)} min, and production may have changed. Nothing was done; request a new one.`,
        };
      }
    }
    const pending = action === 'approve' && rollback.status === 'awaiting_approval' ? unacknowledged(rollback) : [];
    if (pending.length > 0) {
      const needs = pending.map((risk) => `*${RISK_LABEL[risk]}*`).join(' and ');
      return refuse(
        `needs an explicit acknowledgement first (${pending.join(', ')})`,
        `Not yet: press ${needs} on the card first; then Approve. ${pending.includes('no_criterion') ? 'No decision criterion is met. ' : ''}${pending.includes('migrations') ? 'The bad deployment may include database migrations.' : ''}`.trim(),
      );
    }
    if (action === 'approve' && rollback.status === 'awaiting_approval' && env?.approval.require_different_approver) {
      const deciders = await this.commandersInvolved(rollback, userId);
      if (deciders.size < 2) {
        const recorded = await record(this.deps, id, { type: 'ApprovalRecorded', at, by: userId });
        log.info({ recorded: recorded.ok }, 'four eyes: first approval');
        return {
          kind: 'refused',
          message: `${rollback.environment} needs four eyes: your approval is recorded, and another incident commander must approve too (not the requester, and not only you).`,
        };
      }
    }
    if (action === 'approve' && rollback.status === 'awaiting_approval') {
      const changed = await this.productionChanged(rollback);
      if (changed) {
        const applied = await record(this.deps, id, { type: 'ProductionChanged', at, by: userId, services: changed });
        if (!applied.ok) {
          // Another click got there first (and its Step 3 is what changed production): say where things stand.
          const now = this.deps.store.get(id);
          return {
            kind: 'refused',
            message: `This rollback is already ${now ? statusWords(now.status) : 'gone'}; your approve changed nothing.`,
            rollback: now ?? undefined,
          };
        }
        void this.runner.drive(id);
        const now = changed.map((s) => `${s.service} runs ${s.version ?? 'unknown'}`).join(', ');
        return {
          kind: 'refused',
          message: `Production changed since Step 1 (${now}); nothing was done. Step 1 runs again: check the card, then approve it if the rollback is still right.`,
        };
      }
    }
    const event =
      action === 'approve'
        ? ({ type: 'ApprovalGranted', at, by: userId } as const)
        : ({
            type: 'RollbackCancelled',
            at,
            by: userId,
            ...(may.allowed ? {} : { why: 'the requester took the request back' }),
          } as const);
    const applied = await record(this.deps, id, event);
    if (!applied.ok) {
      const now = this.deps.store.get(id);
      return {
        kind: 'refused',
        message: `This rollback is already ${now ? statusWords(now.status) : 'gone'}; your ${action} changed nothing.`,
        rollback: now ?? undefined,
      };
    }
    log.info({ action }, action === 'approve' ? 'rollback approved' : 'rollback cancelled');
    if (action === 'approve') void this.runner.drive(id);
    return { kind: 'ok', rollback: applied.rollback };
  }

  /**
   * Four eyes: the distinct incident commanders who took part in the decision — the requester (if one), those who
   * acknowledged its risks, those who approved before, and this approver.
   */
  private async commandersInvolved(r: Rollback, approver: string): Promise<Set<string>> {
    const involved = new Set([
      approver,
      ...r.acknowledgements.map((a) => a.by),
      ...(r.approvals ?? []).map((a) => a.by),
    ]);
    if (r.requestedBy !== BOT_REQUESTER && (await this.isIc(r.requestedBy, r.environment).catch(() => false)))
      involved.add(r.requestedBy);
    return involved;
  }

  /**
   * What runs now, where it can be read, when it differs from what Step 1 showed; null when nothing is known to have
   * changed (an unreadable service is Step 3's to report, not a reason to refuse).
   */
  private async productionChanged(r: Rollback): Promise<ServiceVersion[] | null> {
    const env = environmentNamed(this.deps.config, r.environment);
    const before = r.findings?.services ?? [];
    if (!env || before.length === 0) return null;
    const read = await STRATEGY[strategyOf(r)].currentVersions(this.deps, r, env, { probe: true });
    // Unreadable now: what Step 1 saw stands.
    const now = before.map((s) => {
      const n = read.find((x) => x.service === s.service);
      return n && n.version !== null
        ? { ...s, version: n.version, previousVersion: n.previousVersion ?? s.previousVersion }
        : s;
    });
    return now.some((s, i) => s.version !== before[i].version) ? now : null;
  }

  private async expire(r: Rollback, afterMs: number): Promise<void> {
    const applied = await record(this.deps, r.id, { type: 'ApprovalExpired', at: nowIso(this.deps.clock), afterMs });
    if (applied.ok) this.deps.log.info({ rollbackId: r.id, afterMs }, 'rollback expired awaiting approval');
  }

  /** Cards awaiting approval for longer than their environment allows expire: production may have moved on. */
  async expireStale(): Promise<Rollback[]> {
    const now = this.deps.clock.now().getTime();
    const waiting = this.deps.store.list({ statuses: ['awaiting_approval'], limit: 100 });
    const stale = waiting.filter((r) => {
      const env = environmentNamed(this.deps.config, r.environment);
      return (
        !r.dryRun &&
        env !== undefined &&
        now >= Date.parse(r.steps.confirm.endedAt ?? r.updatedAt) + env.approval.expires_after_ms
      );
    });
    for (const r of stale)
      await this.expire(r, environmentNamed(this.deps.config, r.environment)?.approval.expires_after_ms ?? 0);
    return stale;
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
    const orphans = this.deps.store
      .orphans(this.deps.clock.now().getTime(), this.runner.owner, 100)
      .filter((r) => !this.runner.isDriving(r.id));
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
