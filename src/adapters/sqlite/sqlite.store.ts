/**
 * The store's ports on SQLite: the synchronous database (sqlite.rollback-store.ts) behind asynchronous ports, so the
 * runbook is written once for every store (SQLite here, Postgres next). One file, one process's connection; writes
 * are short IMMEDIATE transactions, and busy_timeout waits out another process's.
 */
import type { Rollback, Status } from '../../domain/rollback';
import type { RollbackEvent } from '../../domain/rollback.events';
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
import { SqliteRollbackStore } from './sqlite.rollback-store';

export class SqliteStore implements RollbackRepository, Leases, Reports, VerifiedVersions, DeliveryLog, AlertLog {
  readonly db: SqliteRollbackStore;

  constructor(file: string) {
    this.db = new SqliteRollbackStore(file);
  }

  async close(): Promise<void> {
    this.db.close();
  }

  /** Whether the database answers (for /readyz). */
  async ping(): Promise<void> {
    this.db.ping();
  }

  async create(rollback: Rollback, lease?: { owner: string; until: number }): Promise<CreateResult> {
    return this.db.create(rollback, lease);
  }
  async get(id: string): Promise<Rollback | null> {
    return this.db.get(id);
  }
  async save(expectedVersion: number, next: Rollback, event: RollbackEvent): Promise<Rollback | null> {
    return this.db.save(expectedVersion, next, event);
  }
  async audit(id: string, event: RollbackEvent): Promise<boolean> {
    return this.db.audit(id, event);
  }
  async timeline(id: string): Promise<TimelineEntry[]> {
    return this.db.timeline(id);
  }
  async list(filter: { statuses?: readonly Status[]; environment?: string; limit: number }): Promise<Rollback[]> {
    return this.db.list(filter);
  }
  async marks(environment: string): Promise<Rollback[]> {
    return this.db.marks(environment);
  }

  async claim(id: string, owner: string, until: number, now: number): Promise<boolean> {
    return this.db.claim(id, owner, until, now);
  }
  async release(id: string, owner: string): Promise<void> {
    this.db.release(id, owner);
  }
  async holders(ids: readonly string[], now: number): Promise<Map<string, string>> {
    return this.db.holders(ids, now);
  }
  async orphans(now: number, limit: number): Promise<Rollback[]> {
    return this.db.orphans(now, limit);
  }

  async recordReport(report: { environment: string; userId: string; text: string; at: string }): Promise<void> {
    this.db.recordReport(report);
  }
  async uniqueReporters(environment: string, sinceIso: string): Promise<string[]> {
    return this.db.uniqueReporters(environment, sinceIso);
  }
  async reportTexts(environment: string, sinceIso: string, limit: number): Promise<string[]> {
    return this.db.reportTexts(environment, sinceIso, limit);
  }
  async lastReportAlert(environment: string): Promise<string | null> {
    return this.db.lastReportAlert(environment);
  }
  async recordReportAlert(environment: string, at: string): Promise<void> {
    this.db.recordReportAlert(environment, at);
  }
  async recordRefusal(entry: RefusalRecord): Promise<void> {
    this.db.recordRefusal(entry);
  }
  async refusals(limit: number): Promise<RefusalRecord[]> {
    return this.db.refusals(limit);
  }

  async lastVerifiedVersion(environment: string, service: string): Promise<string | null> {
    return this.db.lastVerifiedVersion(environment, service);
  }
  async recordDeploy(report: DeployReport): Promise<void> {
    this.db.recordDeploy(report);
  }
  async deploys(environment: string, limit: number): Promise<DeployReport[]> {
    return this.db.deploys(environment, limit);
  }
  async markDeployVerified(environment: string, version: string, at: string): Promise<boolean> {
    return this.db.markDeployVerified(environment, version, at);
  }
  async deployedCommits(environment: string, version: string, limit: number): Promise<string[]> {
    return this.db.deployedCommits(environment, version, limit);
  }
  async recordVerifiedVersion(environment: string, service: string, version: string, at: string): Promise<void> {
    this.db.recordVerifiedVersion(environment, service, version, at);
  }

  async firstDelivery(key: string, at: number): Promise<boolean> {
    return this.db.firstDelivery(key, at);
  }

  async recordAlert(alert: AlertSeen): Promise<AlertRecord> {
    return this.db.recordAlert(alert);
  }
  async claimProposal(environment: string, fingerprint: string, at: string): Promise<boolean> {
    return this.db.claimProposal(environment, fingerprint, at);
  }
  async tieToRollback(environment: string, fingerprint: string, rollbackId: string): Promise<boolean> {
    return this.db.tieToRollback(environment, fingerprint, rollbackId);
  }
  async resolveAlert(
    environment: string,
    fingerprint: string,
    at: string,
  ): Promise<{ first: boolean; rollbackId: string | null }> {
    return this.db.resolveAlert(environment, fingerprint, at);
  }
  async firingAlerts(limit: number): Promise<AlertRecord[]> {
    return this.db.firingAlerts(limit);
  }
}
