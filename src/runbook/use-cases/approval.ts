/**
 * Deciding on a rollback: Approve, Cancel, acknowledging its risks; four eyes; expiry; and the re-check that what
 * runs is still what the card showed.
 */
import { environmentNamed } from '../../config/config.schema';
import { BOT_REQUESTER, isTerminal, type Rollback, statusWords } from '../../domain/rollback';
import { RISK_LABEL, type Risk, unacknowledged } from '../../domain/risks';
import { nowIso } from '../engine/context';
import { productionChanged } from '../steps/production-changed';
import { record } from '../engine/record';
import { type Outcome, PRE_APPROVAL, UseCase } from './use-case';

export class Approvals extends UseCase {
  async approve(id: string, userId: string): Promise<Outcome> {
    return this.approveOrCancel(id, userId, 'approve');
  }

  /**
   * An incident commander explicitly accepts a risk the findings raised (no criterion met, migrations, a target a
   * rollback since the last clearing moved away from).
   */
  async acknowledge(id: string, userId: string, risk: Risk): Promise<Outcome> {
    const rollback = await this.deps.rollbacks.get(id);
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
    const rollback = await this.deps.rollbacks.get(id);
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
        `Not yet: press ${needs} on the card first; then Approve. ${pending.includes('no_criterion') ? 'No decision criterion is met. ' : ''}${pending.includes('migrations') ? 'The bad deployment may include database migrations. ' : ''}${pending.includes('rolled_back_from') && rollback.findings?.rolledBackFrom ? `Since the last clearing, rollback ${rollback.findings.rolledBackFrom.rollbackId} moved production away from ${rollback.target ?? 'this version'}.` : ''}`.trim(),
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
      const changed = await productionChanged(this.deps, rollback);
      if (changed) {
        const applied = await record(this.deps, id, { type: 'ProductionChanged', at, by: userId, services: changed });
        if (!applied.ok) {
          // Another click got there first (and its Step 3 is what changed production): say where things stand.
          const now = await this.deps.rollbacks.get(id);
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
      const now = await this.deps.rollbacks.get(id);
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

  private async expire(r: Rollback, afterMs: number): Promise<void> {
    const applied = await record(this.deps, r.id, { type: 'ApprovalExpired', at: nowIso(this.deps.clock), afterMs });
    if (applied.ok) this.deps.log.info({ rollbackId: r.id, afterMs }, 'rollback expired awaiting approval');
  }

  /** Cards awaiting approval for longer than their environment allows expire: production may have moved on. */
  async expireStale(): Promise<Rollback[]> {
    const now = this.deps.clock.now().getTime();
    const waiting = await this.deps.rollbacks.list({ statuses: ['awaiting_approval'], limit: 100 });
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
}
