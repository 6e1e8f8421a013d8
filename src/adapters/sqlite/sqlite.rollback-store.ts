import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { type Rollback, type Status, TERMINAL_STATUSES } from '../../domain/rollback';
import { actorOf, type RollbackEvent } from '../../domain/rollback.events';
import type { AlertRecord, AlertSeen, CreateResult, DeployReport, TimelineEntry } from '../../ports';

const TERMINAL_SQL = TERMINAL_STATUSES.map((s) => `'${s}'`).join(', ');
/** mayHaveChangedProduction() on the stored state: Step 3 started, and not a dry run. */
const TOUCHED_SQL = `json_extract(state, '$.steps.execute.status') <> 'pending' AND COALESCE(json_extract(state, '$.dryRun'), 0) = 0`;

/** An alert row in the port's words. */
const ALERT_COLUMNS = `environment, fingerprint, name, severity, summary, starts_at AS "startsAt",
  generator_url AS "generatorUrl", status, received_at AS "receivedAt", rollback_id AS "rollbackId",
  proposed_at AS "proposedAt", resolved_at AS "resolvedAt"`;
/** How long a resolved alert is kept. */
export const ALERT_KEEP_MS = 30 * 24 * 3_600_000;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS rollbacks (
  id          TEXT PRIMARY KEY,
  environment TEXT NOT NULL,
  status      TEXT NOT NULL,
  version     INTEGER NOT NULL,
  created_at  TEXT NOT NULL,
  updated_at  TEXT NOT NULL,
  state       TEXT NOT NULL
);
-- The per-environment lock: at most one rollback that is not finished. Recreated at every start, so that a
-- database from an older version gets the current list of final states.
DROP INDEX IF EXISTS one_active_rollback_per_environment;
CREATE UNIQUE INDEX one_active_rollback_per_environment
  ON rollbacks(environment) WHERE status NOT IN (${TERMINAL_SQL});
CREATE INDEX IF NOT EXISTS rollbacks_by_update ON rollbacks(updated_at);
CREATE INDEX IF NOT EXISTS rollbacks_by_environment ON rollbacks(environment, created_at);
CREATE TABLE IF NOT EXISTS timeline (
  rollback_id TEXT NOT NULL REFERENCES rollbacks(id),
  seq         INTEGER NOT NULL,
  at          TEXT NOT NULL,
  type        TEXT NOT NULL,
  actor       TEXT,
  event       TEXT NOT NULL,
  PRIMARY KEY (rollback_id, seq)
);
-- Who is driving a rollback, until when (ms since epoch).
CREATE TABLE IF NOT EXISTS leases (
  rollback_id TEXT PRIMARY KEY REFERENCES rollbacks(id),
  owner       TEXT NOT NULL,
  until       INTEGER NOT NULL
);
-- Slack deliveries already handled (trigger ids), so a retried delivery does nothing twice.
CREATE TABLE IF NOT EXISTS deliveries (
  key TEXT PRIMARY KEY,
  at  INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS deliveries_by_at ON deliveries(at);
CREATE TABLE IF NOT EXISTS refusals (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  at          TEXT NOT NULL,
  user_id     TEXT NOT NULL,
  environment TEXT,
  action      TEXT NOT NULL,
  why         TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS reports (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  environment TEXT NOT NULL,
  user_id     TEXT NOT NULL,
  text        TEXT NOT NULL,
  at          TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS reports_by_environment ON reports(environment, at);
CREATE TABLE IF NOT EXISTS report_alerts (
  environment TEXT PRIMARY KEY,
  at          TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS deploy_reports (
  id          TEXT PRIMARY KEY,
  environment TEXT NOT NULL,
  version     TEXT NOT NULL,
  commit_sha  TEXT,
  actor       TEXT,
  url         TEXT,
  caller      TEXT NOT NULL,
  at          TEXT NOT NULL,
  accepted    INTEGER NOT NULL,
  verified_at TEXT
);
CREATE INDEX IF NOT EXISTS deploy_reports_by_environment ON deploy_reports(environment, at);
CREATE TABLE IF NOT EXISTS verified_versions (
  environment TEXT NOT NULL,
  service     TEXT NOT NULL,
  version     TEXT NOT NULL,
  verified_at TEXT NOT NULL,
  PRIMARY KEY (environment, service)
);
-- Alertmanager's alerts per environment, and what the bot did with each (shared by every process on the file).
CREATE TABLE IF NOT EXISTS alerts (
  environment   TEXT NOT NULL,
  fingerprint   TEXT NOT NULL,
  name          TEXT NOT NULL,
  severity      TEXT,
  summary       TEXT,
  starts_at     TEXT NOT NULL,
  generator_url TEXT,
  status        TEXT NOT NULL,
  received_at   TEXT NOT NULL,
  rollback_id   TEXT,
  proposed_at   TEXT,
  resolved_at   TEXT,
  PRIMARY KEY (environment, fingerprint)
);
CREATE INDEX IF NOT EXISTS alerts_by_status ON alerts(status, received_at);
`;

interface Row {
  state: string;
  version: number;
}

/**
 * The SQLite database, synchronous (better-sqlite3): every write a short IMMEDIATE transaction. The bot uses it
 * through SqliteStore (sqlite.store.ts), which implements the asynchronous ports; tests and tools may open the same
 * file with this class to read it directly.
 */
export class SqliteRollbackStore {
  private readonly db: Database.Database;
  private prunedAt = 0;
  /** Prepared once, reused: preparing a statement costs more than running most of ours. */
  private readonly statements = new Map<string, Database.Statement>();

  private sql(query: string): Database.Statement {
    let stmt = this.statements.get(query);
    if (!stmt) {
      stmt = this.db.prepare(query);
      this.statements.set(query, stmt);
    }
    return stmt;
  }

  constructor(file: string) {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    this.db = new Database(file);
    // WAL: readers (status) never wait for the writer; synchronous=NORMAL is durable across process crashes.
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.pragma('foreign_keys = ON');
    this.db.exec(SCHEMA);
    this.migrate();
  }

  /** Columns added after the first release, for databases made by an older version. */
  private migrate(): void {
    const columns = (this.db.prepare('PRAGMA table_info(rollbacks)').all() as { name: string }[]).map((c) => c.name);
    if (!columns.includes('ended_at')) {
      this.db.exec('ALTER TABLE rollbacks ADD COLUMN ended_at TEXT');
      // Before this column the best fact there is; refused clicks may have moved it, but only until now.
      this.db.exec(`UPDATE rollbacks SET ended_at = updated_at WHERE status IN (${TERMINAL_SQL})`);
    }
    this.db.exec('CREATE INDEX IF NOT EXISTS rollbacks_by_end ON rollbacks(COALESCE(ended_at, created_at))');
    if (!columns.includes('seq')) {
      // The order rollbacks were made in, for "since an environment's mark was last cleared": the database's own
      // count, not clocks. Rows made before it are numbered in the order of their request time.
      this.db.exec('ALTER TABLE rollbacks ADD COLUMN seq INTEGER');
      this.db.exec(
        'UPDATE rollbacks SET seq = (SELECT COUNT(*) FROM rollbacks o WHERE o.created_at < rollbacks.created_at OR (o.created_at = rollbacks.created_at AND o.id <= rollbacks.id))',
      );
    }
    this.db.exec('CREATE INDEX IF NOT EXISTS rollbacks_by_environment_seq ON rollbacks(environment, seq)');
    const reports = (this.db.prepare('PRAGMA table_info(deploy_reports)').all() as { name: string }[]).map(
      (c) => c.name,
    );
    if (!reports.includes('verified_at')) this.db.exec('ALTER TABLE deploy_reports ADD COLUMN verified_at TEXT');
  }

  close(): void {
    this.db.close();
  }

  ping(): void {
    this.db.prepare('SELECT 1').get();
  }

  create(rollback: Rollback, lease?: { owner: string; until: number }): CreateResult {
    const insert = this.db.transaction((r: Rollback): CreateResult => {
      const active = this.activeFor(r.environment);
      if (active) return { ok: false, active };
      const stored = { ...r, version: 1 };
      this.sql(
        `INSERT INTO rollbacks (id, environment, status, version, created_at, updated_at, ended_at, state, seq)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM rollbacks))`,
      ).run(r.id, r.environment, r.status, 1, r.requestedAt, r.updatedAt, r.endedAt ?? null, JSON.stringify(stored));
      // Owned from its first write: no sweep can take a rollback whose card is still being posted.
      if (lease)
        this.sql('INSERT INTO leases (rollback_id, owner, until) VALUES (?, ?, ?)').run(r.id, lease.owner, lease.until);
      this.appendTimeline(r.id, r.requestedAt, 'Requested', r.requestedBy, {
        environment: r.environment,
        reason: r.reason,
        requestedTarget: r.requestedTarget,
      });
      return { ok: true, rollback: stored };
    });
    return insert.immediate(rollback);
  }

  get(id: string): Rollback | null {
    const row = this.sql('SELECT state, version FROM rollbacks WHERE id = ?').get(id) as Row | undefined;
    return row ? this.fromRow(row) : null;
  }

  save(expectedVersion: number, next: Rollback, event: RollbackEvent): Rollback | null {
    const write = this.db.transaction((): Rollback | null => {
      const stored = { ...next, version: expectedVersion + 1 };
      const res = this.sql(
        'UPDATE rollbacks SET status = ?, version = ?, updated_at = ?, ended_at = ?, state = ? WHERE id = ? AND version = ?',
      ).run(
        next.status,
        stored.version,
        next.updatedAt,
        next.endedAt ?? null,
        JSON.stringify(stored),
        next.id,
        expectedVersion,
      );
      if (res.changes !== 1) return null;
      this.appendTimeline(next.id, event.at, event.type, actorOf(event), event);
      return stored;
    });
    return write.immediate();
  }

  audit(id: string, event: RollbackEvent): boolean {
    const write = this.db.transaction((): boolean => {
      if (!this.sql('SELECT 1 FROM rollbacks WHERE id = ?').get(id)) return false;
      this.appendTimeline(id, event.at, event.type, actorOf(event), event);
      return true;
    });
    return write.immediate();
  }

  timeline(id: string): TimelineEntry[] {
    const rows = this.sql(
      'SELECT rollback_id, seq, at, type, actor, event FROM timeline WHERE rollback_id = ? ORDER BY seq',
    ).all(id) as {
      rollback_id: string;
      seq: number;
      at: string;
      type: TimelineEntry['type'];
      actor: string | null;
      event: string;
    }[];
    return rows.map((r) => ({
      rollbackId: r.rollback_id,
      seq: r.seq,
      at: r.at,
      type: r.type,
      actor: r.actor,
      event: JSON.parse(r.event),
    }));
  }

  list(filter: { statuses?: readonly Status[]; environment?: string; limit: number }): Rollback[] {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.statuses) {
      where.push(`status IN (${filter.statuses.map(() => '?').join(', ')})`);
      params.push(...filter.statuses);
    }
    if (filter.environment) {
      where.push('environment = ?');
      params.push(filter.environment);
    }
    // Newest first by facts only the right events set: when it ended, else when it was requested.
    const sql = `SELECT state, version FROM rollbacks ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY COALESCE(ended_at, created_at) DESC, created_at DESC LIMIT ?`;
    return (this.sql(sql).all(...params, filter.limit) as Row[]).map((r) => this.fromRow(r));
  }

  marks(environment: string): Rollback[] {
    const rows = this.sql(
      `SELECT state, version FROM rollbacks
         WHERE environment = ? AND ${TOUCHED_SQL}
           AND seq > COALESCE((SELECT MAX(seq) FROM rollbacks
                 WHERE environment = ? AND ${TOUCHED_SQL} AND json_extract(state, '$.rootCauseCleared') IS NOT NULL), 0)
         ORDER BY seq DESC`,
    ).all(environment, environment) as Row[];
    return rows.map((r) => this.fromRow(r));
  }

  recordDeploy(r: DeployReport): void {
    this.sql(
      `INSERT INTO deploy_reports (id, environment, version, commit_sha, actor, url, caller, at, accepted)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(r.id, r.environment, r.version, r.commit, r.actor, r.url, r.caller, r.at, r.accepted ? 1 : 0);
  }

  deploys(environment: string, limit: number): DeployReport[] {
    const rows = this.sql(
      `SELECT id, environment, version, commit_sha AS "commit", actor, url, caller, at, accepted,
              verified_at AS "verifiedAt"
         FROM deploy_reports WHERE environment = ? ORDER BY at DESC, rowid DESC LIMIT ?`,
    ).all(environment, limit) as Array<Omit<DeployReport, 'accepted'> & { accepted: number }>;
    return rows.map((r) => ({ ...r, accepted: r.accepted === 1 }));
  }

  markDeployVerified(environment: string, version: string, at: string): boolean {
    const res = this.sql(
      `UPDATE deploy_reports SET verified_at = ?
         WHERE verified_at IS NULL AND rowid = (SELECT rowid FROM deploy_reports
           WHERE environment = ? AND version = ? AND accepted = 1 ORDER BY at DESC, rowid DESC LIMIT 1)`,
    ).run(at, environment, version);
    return res.changes > 0;
  }

  deployedCommits(environment: string, version: string, limit: number): string[] {
    const rows = this.sql(
      `SELECT commit_sha AS "commit" FROM deploy_reports
         WHERE environment = ? AND version = ? AND accepted = 1 AND commit_sha IS NOT NULL
         GROUP BY commit_sha ORDER BY MAX(at) DESC, MAX(rowid) DESC LIMIT ?`,
    ).all(environment, version, limit) as Array<{ commit: string }>;
    return rows.map((r) => r.commit);
  }

  lastVerifiedVersion(environment: string, service: string): string | null {
    const row = this.sql('SELECT version FROM verified_versions WHERE environment = ? AND service = ?').get(
      environment,
      service,
    ) as { version: string } | undefined;
    return row?.version ?? null;
  }

  recordVerifiedVersion(environment: string, service: string, version: string, at: string): void {
    this.sql(
      `INSERT INTO verified_versions (environment, service, version, verified_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (environment, service) DO UPDATE SET version = excluded.version, verified_at = excluded.verified_at`,
    ).run(environment, service, version, at);
  }

  claim(id: string, owner: string, until: number, now: number): boolean {
    // Free, ours, or expired: never a live lease of another process, an earlier boot of this instance included.
    const res = this.sql(
      `INSERT INTO leases (rollback_id, owner, until) VALUES (?, ?, ?)
         ON CONFLICT (rollback_id) DO UPDATE SET owner = excluded.owner, until = excluded.until
         WHERE leases.owner = excluded.owner OR leases.until < ?`,
    ).run(id, owner, until, now);
    return res.changes === 1;
  }

  release(id: string, owner: string): void {
    this.sql('DELETE FROM leases WHERE rollback_id = ? AND owner = ?').run(id, owner);
  }

  holders(ids: readonly string[], now: number): Map<string, string> {
    if (ids.length === 0) return new Map();
    const rows = this.db
      .prepare(
        `SELECT rollback_id, owner FROM leases WHERE until >= ? AND rollback_id IN (${ids.map(() => '?').join(', ')})`,
      )
      .all(now, ...ids) as { rollback_id: string; owner: string }[];
    return new Map(rows.map((r) => [r.rollback_id, r.owner]));
  }

  orphans(now: number, limit: number): Rollback[] {
    const rows = this.sql(
      `SELECT r.state, r.version FROM rollbacks r LEFT JOIN leases l ON l.rollback_id = r.id
         WHERE (r.status IN ('requested', 'confirming', 'executing', 'verifying')
                OR (r.status = 'completed' AND json_extract(r.state, '$.steps.complete.status') = 'running'))
           AND (l.until IS NULL OR l.until < ?)
         ORDER BY r.created_at LIMIT ?`,
    ).all(now, limit) as Row[];
    return rows.map((r) => this.fromRow(r));
  }

  recordReport(r: { environment: string; userId: string; text: string; at: string }): void {
    this.sql('INSERT INTO reports (environment, user_id, text, at) VALUES (?, ?, ?, ?)').run(
      r.environment,
      r.userId,
      r.text,
      r.at,
    );
  }

  uniqueReporters(environment: string, sinceIso: string): string[] {
    const rows = this.sql(
      'SELECT DISTINCT user_id FROM reports WHERE environment = ? AND at >= ? ORDER BY user_id',
    ).all(environment, sinceIso) as { user_id: string }[];
    return rows.map((r) => r.user_id);
  }

  reportTexts(environment: string, sinceIso: string, limit: number): string[] {
    const rows = this.sql('SELECT text FROM reports WHERE environment = ? AND at >= ? ORDER BY id DESC LIMIT ?').all(
      environment,
      sinceIso,
      limit,
    ) as { text: string }[];
    return rows.map((r) => r.text);
  }

  lastReportAlert(environment: string): string | null {
    return (
      (this.sql('SELECT at FROM report_alerts WHERE environment = ?').get(environment) as { at: string } | undefined)
        ?.at ?? null
    );
  }

  recordReportAlert(environment: string, at: string): void {
    this.sql(
      'INSERT INTO report_alerts (environment, at) VALUES (?, ?) ON CONFLICT (environment) DO UPDATE SET at = excluded.at',
    ).run(environment, at);
  }

  firstDelivery(key: string, at: number): boolean {
    // Keep an hour of keys: Slack retries within minutes. Pruned once a minute, not on every request.
    if (at - this.prunedAt > 60_000) {
      this.sql('DELETE FROM deliveries WHERE at < ?').run(at - 3_600_000);
      this.prunedAt = at;
    }
    return this.sql('INSERT OR IGNORE INTO deliveries (key, at) VALUES (?, ?)').run(key, at).changes === 1;
  }

  recordAlert(a: AlertSeen): AlertRecord {
    // Resolved alerts are kept a month (what a later firing of the same alert is told against), then forgotten.
    const monthAgo = new Date(Date.parse(a.at) - ALERT_KEEP_MS).toISOString();
    this.sql("DELETE FROM alerts WHERE status = 'resolved' AND received_at < ?").run(monthAgo);
    this.sql(
      `INSERT INTO alerts (environment, fingerprint, name, severity, summary, starts_at, generator_url, status, received_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (environment, fingerprint) DO UPDATE SET name = excluded.name, severity = excluded.severity,
           summary = excluded.summary, starts_at = excluded.starts_at, generator_url = excluded.generator_url,
           received_at = excluded.received_at,
           status = CASE WHEN excluded.status = 'firing' THEN 'firing' ELSE alerts.status END,
           resolved_at = CASE WHEN excluded.status = 'firing' THEN NULL ELSE alerts.resolved_at END`,
    ).run(a.environment, a.fingerprint, a.name, a.severity, a.summary, a.startsAt, a.generatorUrl, a.status, a.at);
    return this.alert(a.environment, a.fingerprint) as AlertRecord;
  }

  private alert(environment: string, fingerprint: string): AlertRecord | null {
    const row = this.sql(`SELECT ${ALERT_COLUMNS} FROM alerts WHERE environment = ? AND fingerprint = ?`).get(
      environment,
      fingerprint,
    ) as AlertRecord | undefined;
    return row ?? null;
  }

  claimProposal(environment: string, fingerprint: string, at: string): boolean {
    return (
      this.sql(
        'UPDATE alerts SET proposed_at = ? WHERE environment = ? AND fingerprint = ? AND proposed_at IS NULL',
      ).run(at, environment, fingerprint).changes === 1
    );
  }

  tieToRollback(environment: string, fingerprint: string, rollbackId: string): boolean {
    return (
      this.sql(
        'UPDATE alerts SET rollback_id = ? WHERE environment = ? AND fingerprint = ? AND rollback_id IS NOT ?',
      ).run(rollbackId, environment, fingerprint, rollbackId).changes === 1
    );
  }

  resolveAlert(environment: string, fingerprint: string, at: string): { first: boolean; rollbackId: string | null } {
    const row = this.sql(
      `UPDATE alerts SET status = 'resolved', resolved_at = ?
         WHERE environment = ? AND fingerprint = ? AND status = 'firing' RETURNING rollback_id AS rollbackId`,
    ).get(at, environment, fingerprint) as { rollbackId: string | null } | undefined;
    return row ? { first: true, rollbackId: row.rollbackId } : { first: false, rollbackId: null };
  }

  firingAlerts(limit: number): AlertRecord[] {
    return this.sql(
      `SELECT ${ALERT_COLUMNS} FROM alerts WHERE status = 'firing' ORDER BY starts_at DESC, received_at DESC LIMIT ?`,
    ).all(limit) as AlertRecord[];
  }

  recordRefusal(e: { at: string; userId: string; environment: string | null; action: string; why: string }): void {
    this.sql('INSERT INTO refusals (at, user_id, environment, action, why) VALUES (?, ?, ?, ?, ?)').run(
      e.at,
      e.userId,
      e.environment,
      e.action,
      e.why,
    );
  }

  refusals(
    limit: number,
  ): Array<{ at: string; userId: string; environment: string | null; action: string; why: string }> {
    return this.sql(
      'SELECT at, user_id AS userId, environment, action, why FROM refusals ORDER BY id DESC LIMIT ?',
    ).all(limit) as Array<{ at: string; userId: string; environment: string | null; action: string; why: string }>;
  }

  private activeFor(environment: string): Rollback | null {
    const row = this.sql(
      `SELECT state, version FROM rollbacks WHERE environment = ? AND status NOT IN (${TERMINAL_SQL})`,
    ).get(environment) as Row | undefined;
    return row ? this.fromRow(row) : null;
  }

  private appendTimeline(id: string, at: string, type: string, actor: string | null, event: unknown): void {
    const { next } = this.sql('SELECT COALESCE(MAX(seq), 0) + 1 AS next FROM timeline WHERE rollback_id = ?').get(
      id,
    ) as { next: number };
    this.sql('INSERT INTO timeline (rollback_id, seq, at, type, actor, event) VALUES (?, ?, ?, ?, ?, ?)').run(
      id,
      next,
      at,
      type,
      actor,
      JSON.stringify(event),
    );
  }

  private fromRow(row: Row): Rollback {
    // The version column is the truth for compare-and-set.
    const r = JSON.parse(row.state) as Rollback;
    return { ...r, version: row.version };
  }
}
