/**
 * The store in memory: the same promises as the SQLite adapter (the contract suite runs against both), for unit
 * tests of the runbook without a file, Docker or Slack. Values are copied in and out, as a database would.
 */
import { actorOf, isTerminal, type Rollback, type RollbackEvent, type Status } from '../../domain/rollback.machine';
import type { CreateResult, RollbackStore, TimelineEntry } from '../../ports';

type Refusal = { at: string; userId: string; environment: string | null; action: string; why: string };

const copy = <T>(v: T): T => structuredClone(v);
/** Lease owners are `<instance>#<boot>`: the part a restart of the same instance shares. */
const instanceOf = (owner: string): string | null =>
  owner.lastIndexOf('#') > 0 ? owner.slice(0, owner.lastIndexOf('#') + 1) : null;
/** Newest first by facts only the right events set: when it ended, else when it was requested. */
const newestFirst = (a: Rollback, b: Rollback) =>
  (b.endedAt ?? b.requestedAt).localeCompare(a.endedAt ?? a.requestedAt) || b.requestedAt.localeCompare(a.requestedAt);

export class MemoryRollbackStore implements RollbackStore {
  private readonly rollbacks = new Map<string, Rollback>();
  private readonly timelines = new Map<string, TimelineEntry[]>();
  private readonly leases = new Map<string, { owner: string; until: number }>();
  private readonly verified = new Map<string, string>();
  private readonly reports: Array<{ environment: string; userId: string; text: string; at: string }> = [];
  private readonly reportAlerts = new Map<string, string>();
  private readonly deliveries = new Map<string, number>();
  private readonly refused: Refusal[] = [];

  create(rollback: Rollback, lease?: { owner: string; until: number }): CreateResult {
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

  get(id: string): Rollback | null {
    const r = this.rollbacks.get(id);
    return r ? copy(r) : null;
  }

  save(expectedVersion: number, next: Rollback, event: RollbackEvent): Rollback | null {
    const current = this.rollbacks.get(next.id);
    if (!current || current.version !== expectedVersion) return null;
    const stored = { ...copy(next), version: expectedVersion + 1 };
    this.rollbacks.set(next.id, stored);
    this.append(next.id, event.at, event.type, actorOf(event), event);
    return copy(stored);
  }

  audit(id: string, event: RollbackEvent): boolean {
    if (!this.rollbacks.has(id)) return false;
    this.append(id, event.at, event.type, actorOf(event), event);
    return true;
  }

  timeline(id: string): TimelineEntry[] {
    return copy(this.timelines.get(id) ?? []);
  }

  list(filter: { statuses?: readonly Status[]; environment?: string; limit: number }): Rollback[] {
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

  lastVerifiedVersion(environment: string, service: string): string | null {
    return this.verified.get(`${environment}\u0000${service}`) ?? null;
  }

  recordVerifiedVersion(environment: string, service: string, version: string): void {
    this.verified.set(`${environment}\u0000${service}`, version);
  }

  claim(id: string, owner: string, until: number, now: number): boolean {
    if (!this.rollbacks.has(id)) return false;
    const held = this.leases.get(id);
    const prefix = instanceOf(owner);
    if (!held || held.owner === owner || held.until < now || (prefix !== null && held.owner.startsWith(prefix))) {
      this.leases.set(id, { owner, until });
      return true;
    }
    return false;
  }

  release(id: string, owner: string): void {
    if (this.leases.get(id)?.owner === owner) this.leases.delete(id);
  }

  orphans(now: number, owner: string, limit: number): Rollback[] {
    const prefix = instanceOf(owner);
    return [...this.rollbacks.values()]
      .filter(
        (r) =>
          ['requested', 'confirming', 'executing', 'verifying'].includes(r.status) ||
          (r.status === 'completed' && r.steps.complete.status === 'running'),
      )
      .filter((r) => {
        const l = this.leases.get(r.id);
        return !l || l.until < now || (prefix !== null && l.owner.startsWith(prefix) && l.owner !== owner);
      })
      .sort((a, b) => a.requestedAt.localeCompare(b.requestedAt))
      .slice(0, limit)
      .map(copy);
  }

  recordReport(report: { environment: string; userId: string; text: string; at: string }): void {
    this.reports.push({ ...report });
  }

  uniqueReporters(environment: string, sinceIso: string): string[] {
    return [
      ...new Set(this.reports.filter((r) => r.environment === environment && r.at >= sinceIso).map((r) => r.userId)),
    ].sort();
  }

  reportTexts(environment: string, sinceIso: string, limit: number): string[] {
    return this.reports
      .filter((r) => r.environment === environment && r.at >= sinceIso)
      .reverse()
      .slice(0, limit)
      .map((r) => r.text);
  }

  lastReportAlert(environment: string): string | null {
    return this.reportAlerts.get(environment) ?? null;
  }

  recordReportAlert(environment: string, at: string): void {
    this.reportAlerts.set(environment, at);
  }

  firstDelivery(key: string, at: number): boolean {
    for (const [k, t] of this.deliveries) if (t < at - 3_600_000) this.deliveries.delete(k);
    if (this.deliveries.has(key)) return false;
    this.deliveries.set(key, at);
    return true;
  }

  recordRefusal(entry: Refusal): void {
    this.refused.push({ ...entry });
  }

  refusals(limit: number): Refusal[] {
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
