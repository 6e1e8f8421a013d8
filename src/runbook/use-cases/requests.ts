/**
 * Asking for a rollback: the command, the form (its proposal and inline checks), a user report. Per-user limits, the
 * channel rule, the lock (and who may hold it), and the card posted under the rollback's own lease.
 */
import { environmentNamed } from '../../config/config.schema';
import { RUNBOOK_THRESHOLDS } from '../../domain/criteria';
import { describeError } from '../../domain/errors';
import { BOT_REQUESTER, newRollback, type Rollback, statusWords } from '../../domain/rollback';
import type { Log } from '../../ports';
import { nowIso } from '../engine/context';
import { REPORTS_ALERT_AUDIENCE } from '../policies/audience';
import { record } from '../engine/record';
import { proposeTarget } from '../steps/1-confirm';
import { RateLimiter } from '../policies/limits';
import { strategyNamed } from '../strategies';
import {
  ACTIVE_STATUSES,
  newRollbackId,
  type Outcome,
  PRE_APPROVAL,
  type RollbackRequest,
  UseCase,
  type UseCaseContext,
} from './use-case';

/** How long a request waits to learn whether there is anything to roll back to before its card is posted. */
const PRECHECK_MS = 2000;

export class Requests extends UseCase {
  private readonly requests: RateLimiter;
  private readonly reports: RateLimiter;

  constructor(ctx: UseCaseContext) {
    super(ctx);
    const { limits } = ctx.deps.config;
    this.requests = new RateLimiter(limits.requests.count, limits.requests.window_minutes * 60_000);
    this.reports = new RateLimiter(limits.reports.count, limits.reports.window_minutes * 60_000);
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
      await this.deps.reports.recordRefusal({
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
    // Nothing to roll back to is the requester's to fix (name a version), not a failed rollback for the channel.
    const nothing = req.userId === BOT_REQUESTER ? null : await this.nothingToRollBackTo(draft, req);
    if (nothing) return { kind: 'refused', message: nothing };
    let created = await this.deps.rollbacks.create(draft, this.runner.newLease());
    if (!created.ok && (await this.supersedes(req, created.active)))
      created = await this.deps.rollbacks.create(draft, this.runner.newLease());
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
    this.deps.telemetry?.rollbackRequested(created.rollback);
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
    return { kind: 'ok', rollback: (await this.deps.rollbacks.get(draft.id)) ?? first };
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
    await this.deps.reports.recordReport({
      environment: req.environment,
      userId: req.userId,
      text: req.text,
      at: now.toISOString(),
    });
    const since = new Date(now.getTime() - window * 60_000).toISOString();
    const reporters = await this.deps.reports.uniqueReporters(req.environment, since);
    const lastAlert = await this.deps.reports.lastReportAlert(req.environment);
    const active = (
      await this.deps.rollbacks.list({ environment: req.environment, statuses: ACTIVE_STATUSES, limit: 1 })
    )[0];
    if (reporters.length >= threshold && (lastAlert === null || lastAlert < since) && !active) {
      await this.deps.reports.recordReportAlert(req.environment, now.toISOString());
      try {
        await this.deps.notifier.reportsAlert({
          environment: req.environment,
          channel: env.channel,
          reporters,
          reports: await this.deps.reports.reportTexts(req.environment, since, 5),
          windowMinutes: window,
          audience: REPORTS_ALERT_AUDIENCE,
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
    const services = await strategyNamed(env.strategy).currentVersions(this.deps, draft, env, { probe: false });
    return (await proposeTarget(this.deps, draft, services)).target;
  }

  /**
   * Before a card is posted for a request that names no version: is there anything to roll back to? A refusal
   * saying what to type when the answer is conclusively no (the versions were read and nothing is proposed, or every
   * service already runs the proposal); null when there is, when a rollback is in progress (that refusal says more),
   * or when it cannot be told within PRECHECK_MS (Step 1 then finds out, on the card).
   */
  private async nothingToRollBackTo(draft: Rollback, req: RollbackRequest): Promise<string | null> {
    if (draft.requestedTarget) return null;
    const env = environmentNamed(this.deps.config, draft.environment);
    if (!env) return null;
    let timer: NodeJS.Timeout | undefined;
    const check = async (): Promise<string | null> => {
      const active = await this.deps.rollbacks.list({
        environment: draft.environment,
        statuses: ACTIVE_STATUSES,
        limit: 1,
      });
      if (active.length > 0) return null;
      const services = await strategyNamed(env.strategy).currentVersions(this.deps, draft, env, { probe: false });
      // A service whose version could not be read (Docker out of reach): not conclusive.
      if (env.services.length > 0 && services.some((s) => s.version === null)) return null;
      const proposal = await proposeTarget(this.deps, draft, services);
      const retry = `\`/rollback ${draft.environment} to <version>${req.reason ? ` ${req.reason}` : ''}\``;
      if (proposal.target === null)
        return `Nothing to roll back to in ${draft.environment}: ${proposal.note}. Name the version to go back to: ${retry}`;
      if (services.length > 0 && services.every((s) => s.version === proposal.target))
        return `Every service of ${draft.environment} already runs ${proposal.target}, the version the bot would propose: rolling back to it would change nothing. Name an older version: ${retry}`;
      return null;
    };
    try {
      return await Promise.race([
        check(),
        new Promise<null>((resolve) => (timer = setTimeout(resolve, PRECHECK_MS, null))),
      ]);
    } catch (err) {
      this.deps.log.debug({ err, env: draft.environment }, 'could not tell before the card whether there is a target');
      return null;
    } finally {
      clearTimeout(timer);
    }
  }

  /** What is wrong with a request before it is made, for the form's inline errors (no I/O beyond the store). */
  async precheck(environment: string): Promise<string | null> {
    if (!environmentNamed(this.deps.config, environment)) return this.unknownEnvironment(environment);
    const active = (await this.deps.rollbacks.list({ environment, statuses: ACTIVE_STATUSES, limit: 1 }))[0];
    return active ? `${environment} already has a rollback in progress (${active.id}).` : null;
  }

  /** The runbook's checklist as one live message in the card's thread. Without it the rollback still runs. */
  private async postChecklist(id: string, log: Log): Promise<void> {
    const rollback = await this.deps.rollbacks.get(id);
    if (!rollback) return;
    try {
      const message = await this.deps.notifier.postChecklist(rollback);
      await record(this.deps, id, { type: 'ChecklistPosted', at: nowIso(this.deps.clock), message }, { tell: false });
    } catch (err) {
      log.warn({ err }, 'could not post the checklist');
    }
  }
}
