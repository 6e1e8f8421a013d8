/**
 * The store in memory: the same promises as the SQLite adapter (the contract suite runs against both), for unit
 * tests of the runbook without a file, Docker or Slack. Values are copied in and out, as a database would.
 */
import { isTerminal, mayHaveChangedProduction, type Rollback, type Status } from '../../domain/rollback';
import { actorOf, type RollbackEvent } from '../../domain/rollback.events';
import type {
  AlertLog,
  AlertRecord,
  AlertSeen,
  DeployReport,
  CreateResult,
  Leases,
  RefusalRecord,
  Reports,
  RollbackRepository,
  TimelineEntry,
  VerifiedVersions,
} from '../../ports';
import type { DeliveryLog } from '../../ports/delivery-log.port';

type Refusal = RefusalRecord;

const copy = <T>(v: T): T => structuredClone(v);
/** Newest first by facts only the right events set: when it ended, else when it was requested. */
const newestFirst = (a: Rollback, b: Rollback) =>
  (b.endedAt ?? b.requestedAt).localeCompare(a.endedAt ?? a.requestedAt) || b.requestedAt.localeCompare(a.requestedAt);

export class MemoryRollbackStore
  implements RollbackRepository, Leases, Reports, VerifiedVersions, DeliveryLog, AlertLog
{
  private readonly rollbacks = new Map<string, Rollback>();
  private readonly timelines = new Map<string, TimelineEntry[]>();
  private readonly leases = new Map<string, { owner: string; until: number }>();
  private readonly verified = new Map<string, string>();
  private readonly deployReports: DeployReport[] = [];
  private readonly reports: Array<{ environment: string; userId: string; text: string; at: string }> = [];
  private readonly reportAlerts = new Map<string, string>();
  private readonly deliveries = new Map<string, number>();
  private readonly refused: Refusal[] = [];
  private readonly alerts = new Map<string, AlertRecord>();

  async create(rollback: Rollback, lease?: { owner: string; until: number }): Promise<CreateResult> {
    const active = [...this.rollbacks.values()].find(
      (r) => r.environment === rollback.environment && !isTerminal(r.status),
    );
    if (active) return { ok: false, active: copy(active) };
    const stored = { ...copy(rollback), version: 1 };
    this.rollbacks.set(rollback.id, stored);
    this.append(rollback.id, rollback.requestedAt, 'Requested', rollback.requestedBy, {
      environment: rollback.environment,
      reason: rollback.reason,
      requestedTarget: rollback.requestedTarget,
    });
    if (lease) this.leases.set(rollback.id, { ...lease });
    return { ok: true, rollback: copy(stored) };
  }

  async get(id: string): Promise<Rollback | null> {
    const r = this.rollbacks.get(id);
    return r ? copy(r) : null;
  }

  async save(expectedVersion: number, next: Rollback, event: RollbackEvent): Promise<Rollback | null> {
    const current = this.rollbacks.get(next.id);
    if (!current || current.version !== expectedVersion) return null;
    const stored = { ...copy(next), version: expectedVersion + 1 };
    this.rollbacks.set(next.id, stored);
    this.append(next.id, event.at, event.type, actorOf(event), event);
    return copy(stored);
  }

  async audit(id: string, event: RollbackEvent): Promise<boolean> {
    if (!this.rollbacks.has(id)) return false;
    this.append(id, event.at, event.type, actorOf(event), event);
    return true;
  }

  async timeline(id: string): Promise<TimelineEntry[]> {
    return copy(this.timelines.get(id) ?? []);
  }

  async list(filter: { statuses?: readonly Status[]; environment?: string; limit: number }): Promise<Rollback[]> {
    return [...this.rollbacks.values()]
      .filter(
        (r) =>
          (!filter.statuses || filter.statuses.includes(r.status)) &&
          (!filter.environment || r.environment === filter.environment),
      )
      .sort(newestFirst)
      .slice(0, filter.limit)
      .map(copy);
  }

  async marks(environment: string): Promise<Rollback[]> {
    // A Map keeps the order rollbacks were made in (the databases' `seq`): newest first is that order reversed.
    const touched = [...this.rollbacks.values()]
      .filter((r) => r.environment === environment && mayHaveChangedProduction(r))
      .reverse();
    const cleared = touched.findIndex((r) => r.rootCauseCleared);
    return (cleared < 0 ? touched : touched.slice(0, cleared)).map(copy);
  }

  async recordDeploy(report: DeployReport): Promise<void> {
    this.deployReports.push({ ...report, verifiedAt: report.verifiedAt ?? null });
  }

  async deploys(environment: string, limit: number): Promise<DeployReport[]> {
    return this.deployReports
      .map((r, i) => ({ r, i }))
      .filter(({ r }) => r.environment === environment)
      .sort((a, b) => b.r.at.localeCompare(a.r.at) || b.i - a.i)
      .slice(0, limit)
      .map(({ r }) => ({ ...r }));
  }

  async markDeployVerified(environment: string, version: string, at: string): Promise<boolean> {
    const [newest] = this.deployReports
      .map((r, i) => ({ r, i }))
      .filter(({ r }) => r.environment === environment && r.version === version && r.accepted)
      .sort((a, b) => b.r.at.localeCompare(a.r.at) || b.i - a.i);
    if (!newest || newest.r.verifiedAt) return false;
    newest.r.verifiedAt = at;
    return true;
  }

  async deployedCommits(environment: string, version: string, limit: number): Promise<string[]> {
    const newestFirst = this.deployReports
      .map((r, i) => ({ r, i }))
      .filter(({ r }) => r.environment === environment && r.version === version && r.accepted && r.commit !== null)
      .sort((a, b) => b.r.at.localeCompare(a.r.at) || b.i - a.i)
      .map(({ r }) => r.commit as string);
    return [...new Set(newestFirst)].slice(0, limit);
  }

  async lastVerifiedVersion(environment: string, service: string): Promise<string | null> {
    return this.verified.get(`${environment}\u0000${service}`) ?? null;
  }

  async recordVerifiedVersion(environment: string, service: string, version: string, _at?: string): Promise<void> {
    this.verified.set(`${environment}\u0000${service}`, version);
  }

  async claim(id: string, owner: string, until: number, now: number): Promise<boolean> {
    if (!this.rollbacks.has(id)) return false;
    const held = this.leases.get(id);
    // Free, ours, or expired: never a live lease of another process, an earlier boot of this instance included.
    if (!held || held.owner === owner || held.until < now) {
      this.leases.set(id, { owner, until });
      return true;
    }
    return false;
  }

  async release(id: string, owner: string): Promise<void> {
    if (this.leases.get(id)?.owner === owner) this.leases.delete(id);
  }

  async holders(ids: readonly string[], now: number): Promise<Map<string, string>> {
    return new Map(
      ids.flatMap((id) => {
        const l = this.leases.get(id);
        return l && l.until >= now ? [[id, l.owner] as const] : [];
      }),
    );
  }

  async orphans(now: number, limit: number): Promise<Rollback[]> {
    return [...this.rollbacks.values()]
      .filter(
        (r) =>
          ['requested', 'confirming', 'executing', 'verifying'].includes(r.status) ||
          (r.status === 'completed' && r.steps.complete.status === 'running'),
      )
      .filter((r) => {
        const l = this.leases.get(r.id);
        return !l || l.until < now;
      })
      .sort((a, b) => a.requestedAt.localeCompare(b.requestedAt))
      .slice(0, limit)
      .map(copy);
  }

  async recordReport(report: { environment: string; userId: string; text: string; at: string }): Promise<void> {
    this.reports.push({ ...report });
  }

  async uniqueReporters(environment: string, sinceIso: string): Promise<string[]> {
    return [
      ...new Set(this.reports.filter((r) => r.environment === environment && r.at >= sinceIso).map((r) => r.userId)),
    ].sort();
  }

  async reportTexts(environment: string, sinceIso: string, limit: number): Promise<string[]> {
    return this.reports
      .filter((r) => r.environment === environment && r.at >= sinceIso)
      .reverse()
      .slice(0, limit)
      .map((r) => r.text);
  }

  async lastReportAlert(environment: string): Promise<string | null> {
    return this.reportAlerts.get(environment) ?? null;
  }

  async recordReportAlert(environment: string, at: string): Promise<void> {
    this.reportAlerts.set(environment, at);
  }

  async firstDelivery(key: string, at: number): Promise<boolean> {
    for (const [k, t] of this.deliveries) if (t < at - 3_600_000) this.deliveries.delete(k);
    if (this.deliveries.has(key)) return false;
    this.deliveries.set(key, at);
    return true;
  }

  async recordAlert(a: AlertSeen): Promise<AlertRecord> {
    const key = `${a.environment}\u0000${a.fingerprint}`;
    const before = this.alerts.get(key);
    const { at, ...seen } = a;
    const firing = a.status === 'firing';
    const next: AlertRecord = {
      ...seen,
      receivedAt: at,
      status: firing || !before ? a.status : before.status,
      rollbackId: before?.rollbackId ?? null,
      proposedAt: before?.proposedAt ?? null,
      resolvedAt: firing ? null : (before?.resolvedAt ?? null),
    };
    this.alerts.set(key, next);
    return copy(next);
  }

  async claimProposal(environment: string, fingerprint: string, at: string): Promise<boolean> {
    const a = this.alerts.get(`${environment}\u0000${fingerprint}`);
    if (!a || a.proposedAt !== null) return false;
    a.proposedAt = at;
    return true;
  }

  async tieToRollback(environment: string, fingerprint: string, rollbackId: string): Promise<boolean> {
    const a = this.alerts.get(`${environment}\u0000${fingerprint}`);
    if (!a || a.rollbackId === rollbackId) return false;
    a.rollbackId = rollbackId;
    return true;
  }

  async resolveAlert(
    environment: string,
    fingerprint: string,
    at: string,
  ): Promise<{ first: boolean; rollbackId: string | null }> {
    const a = this.alerts.get(`${environment}\u0000${fingerprint}`);
    if (!a || a.status !== 'firing') return { first: false, rollbackId: null };
    a.status = 'resolved';
    a.resolvedAt = at;
    return { first: true, rollbackId: a.rollbackId };
  }

  async firingAlerts(limit: number): Promise<AlertRecord[]> {
    return [...this.alerts.values()]
      .filter((a) => a.status === 'firing')
      .sort((x, y) => y.startsAt.localeCompare(x.startsAt) || y.receivedAt.localeCompare(x.receivedAt))
      .slice(0, limit)
      .map(copy);
  }

  async recordRefusal(entry: Refusal): Promise<void> {
    this.refused.push({ ...entry });
  }

  async refusals(limit: number): Promise<Refusal[]> {
    return this.refused.slice(-limit).reverse().map(copy);
  }

  private append(id: string, at: string, type: string, actor: string | null, event: unknown): void {
    const entries = this.timelines.get(id) ?? [];
    entries.push({
      rollbackId: id,
      seq: entries.length + 1,
      at,
      type: type as TimelineEntry['type'],
      actor,
      event: copy(event),
    });
    this.timelines.set(id, entries);
  }
}
