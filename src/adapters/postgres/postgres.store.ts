/**
 * The store's ports on PostgreSQL (node-postgres, one pool per process): what several replicas share. The promises
 * are the SQLite store's, held by the same contract suite: the per-environment lock is a partial unique index,
 * compare-and-set is `UPDATE … WHERE version = $n`, a lease is an upsert guarded by its owner and expiry, a Slack
 * delivery is a primary key. Every write is one short transaction; every statement and connection has a timeout.
 */
import { Pool, type PoolClient, type PoolConfig } from 'pg';
import { type Rollback, type Status, TERMINAL_STATUSES } from '../../domain/rollback';
import { actorOf, type RollbackEvent } from '../../domain/rollback.events';
import {
  type AlertLog,
  type AlertRecord,
  type AlertSeen,
  type CreateResult,
  type DeployReport,
  type Leases,
  RefusalRecord,
  Reports,
  RollbackRepository,
  TimelineEntry,
  VerifiedVersions,
} from '../../ports';
import type { DeliveryLog } from '../../ports/delivery-log.port';
import { migrate } from './postgres.migrations';

export interface PostgresOptions {
  /** postgres://user:password@host:5432/db (sslmode=require|verify-full in the URL, or `ssl` below). */
  url: string;
  /** A schema of its own (created if missing): tests give each run one; default `public`. */
  schema?: string;
  /** Connections per process. */
  poolSize?: number;
  /** How long to wait for a connection (ms). */
  connectTimeoutMs?: number;
  /** How long one statement may run on the server (ms); the client gives up a little later. */
  statementTimeoutMs?: number;
  /** TLS: true (verify the server against the system's CAs), or node's TLS options (ca, rejectUnauthorized…). */
  ssl?: PoolConfig['ssl'];
}

const UNIQUE_VIOLATION = '23505';
const TERMINAL = TERMINAL_STATUSES as readonly string[];
/** Statuses a live process must be driving (a rollback in one of them with no live lease is resumed). */
const DRIVEN = ['requested', 'confirming', 'executing', 'verifying'];
/** mayHaveChangedProduction() on the stored state: Step 3 started, and not a dry run. */
const TOUCHED = `state #>> '{steps,execute,status}' <> 'pending' AND (state ->> 'dryRun') IS DISTINCT FROM 'true'`;
/** Slack retries a delivery within minutes; an hour of keys is kept. */
const DELIVERY_KEEP_MS = 3_600_000;
/** A resolved alert is kept a month (what a later firing of the same alert is told against), then forgotten. */
const ALERT_KEEP_MS = 30 * 24 * 3_600_000;
const ALERT_COLUMNS = `environment, fingerprint, name, severity, summary, starts_at AS "startsAt",
  generator_url AS "generatorUrl", status, received_at AS "receivedAt", rollback_id AS "rollbackId",
  proposed_at AS "proposedAt", resolved_at AS "resolvedAt"`;

interface Row {
  state: Rollback;
  version: number;
}

const fromRow = (row: Row): Rollback => ({ ...row.state, version: Number(row.version) });

export class PostgresStore implements RollbackRepository, Leases, Reports, VerifiedVersions, DeliveryLog, AlertLog {
  private prunedAt = 0;

  private constructor(
    private readonly pool: Pool,
    readonly schema: string,
  ) {}

  /** Connects, applies the schema's migrations (one replica at a time), and returns the store. */
  static async connect(opts: PostgresOptions): Promise<PostgresStore> {
    const schema = opts.schema ?? 'public';
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema) || schema.startsWith('pg_'))
      throw new Error(`not a schema name the bot can use: ${schema}`);
    const statementTimeoutMs = opts.statementTimeoutMs ?? 5000;
    const pool = new Pool({
      connectionString: opts.url,
      max: opts.poolSize ?? 10,
      connectionTimeoutMillis: opts.connectTimeoutMs ?? 5000,
      idleTimeoutMillis: 30_000,
      statement_timeout: statementTimeoutMs,
      query_timeout: statementTimeoutMs + 1000,
      lock_timeout: statementTimeoutMs,
      idle_in_transaction_session_timeout: 60_000,
      application_name: 'rollback-bot',
      options: `-c search_path=${schema}`,
      ...(opts.ssl !== undefined ? { ssl: opts.ssl } : {}),
    });
    // A connection that dies while idle (the server restarted) is dropped by the pool; the error must not kill us.
    pool.on('error', () => undefined);
    try {
      await migrate(pool, schema);
    } catch (err) {
      await pool.end().catch(() => undefined);
      throw err;
    }
    return new PostgresStore(pool, schema);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  /** Whether the database answers (for /readyz). */
  async ping(): Promise<void> {
    await this.pool.query('SELECT 1');
  }

  private async tx<T>(work: (c: PoolClient) => Promise<T>): Promise<T> {
    const c = await this.pool.connect();
    try {
      await c.query('BEGIN');
      const result = await work(c);
      await c.query('COMMIT');
      return result;
    } catch (err) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      c.release();
    }
  }

  async create(rollback: Rollback, lease?: { owner: string; until: number }): Promise<CreateResult> {
    const stored = { ...rollback, version: 1 };
    try {
      return await this.tx(async (c) => {
        await c.query(
          `INSERT INTO rollbacks (id, environment, status, version, created_at, updated_at, ended_at, state)
             VALUES ($1, $2, $3, 1, $4, $5, $6, $7)`,
          [
            rollback.id,
            rollback.environment,
            rollback.status,
            rollback.requestedAt,
            rollback.updatedAt,
            rollback.endedAt ?? null,
            stored,
          ],
        );
        // Owned from its first write: no sweep can take a rollback whose card is still being posted.
        if (lease)
          await c.query('INSERT INTO leases (rollback_id, owner, until) VALUES ($1, $2, $3)', [
            rollback.id,
            lease.owner,
            lease.until,
          ]);
        await this.appendTimeline(c, rollback.id, rollback.requestedAt, 'Requested', rollback.requestedBy, {
          environment: rollback.environment,
          reason: rollback.reason,
          requestedTarget: rollback.requestedTarget,
        });
        return { ok: true as const, rollback: stored };
      });
    } catch (err) {
      // The lock: another replica's rollback of this environment is active.
      if ((err as { code?: string; constraint?: string }).code !== UNIQUE_VIOLATION) throw err;
      const active = await this.activeFor(rollback.environment);
      if (!active) throw err;
      return { ok: false, active };
    }
  }

  async get(id: string): Promise<Rollback | null> {
    const { rows } = await this.pool.query<Row>('SELECT state, version FROM rollbacks WHERE id = $1', [id]);
    return rows[0] ? fromRow(rows[0]) : null;
  }

  async save(expectedVersion: number, next: Rollback, event: RollbackEvent): Promise<Rollback | null> {
    const stored = { ...next, version: expectedVersion + 1 };
    return this.tx(async (c) => {
      const res = await c.query(
        `UPDATE rollbacks SET status = $1, version = $2, updated_at = $3, ended_at = $4, state = $5
           WHERE id = $6 AND version = $7`,
        [next.status, stored.version, next.updatedAt, next.endedAt ?? null, stored, next.id, expectedVersion],
      );
      if (res.rowCount !== 1) return null;
      await this.appendTimeline(c, next.id, event.at, event.type, actorOf(event), event);
      return stored;
    });
  }

  async audit(id: string, event: RollbackEvent): Promise<boolean> {
    return this.tx(async (c) => {
      // The row lock orders this timeline line with concurrent saves of the same rollback.
      const { rowCount } = await c.query('SELECT 1 FROM rollbacks WHERE id = $1 FOR UPDATE', [id]);
      if (rowCount !== 1) return false;
      await this.appendTimeline(c, id, event.at, event.type, actorOf(event), event);
      return true;
    });
  }

  async timeline(id: string): Promise<TimelineEntry[]> {
    const { rows } = await this.pool.query<{
      rollback_id: string;
      seq: number;
      at: string;
      type: TimelineEntry['type'];
      actor: string | null;
      event: unknown;
    }>('SELECT rollback_id, seq, at, type, actor, event FROM timeline WHERE rollback_id = $1 ORDER BY seq', [id]);
    return rows.map((r) => ({
      rollbackId: r.rollback_id,
      seq: r.seq,
      at: r.at,
      type: r.type,
      actor: r.actor,
      event: r.event,
    }));
  }

  async list(filter: { statuses?: readonly Status[]; environment?: string; limit: number }): Promise<Rollback[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.statuses) {
      params.push([...filter.statuses]);
      where.push(`status = ANY($${params.length})`);
    }
    if (filter.environment) {
      params.push(filter.environment);
      where.push(`environment = $${params.length}`);
    }
    params.push(filter.limit);
    // Newest first by facts only the right events set: when it ended, else when it was requested.
    const { rows } = await this.pool.query<Row>(
      `SELECT state, version FROM rollbacks ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
         ORDER BY COALESCE(ended_at, created_at) DESC, created_at DESC LIMIT $${params.length}`,
      params,
    );
    return rows.map(fromRow);
  }

  async marks(environment: string): Promise<Rollback[]> {
    const { rows } = await this.pool.query<Row>(
      `SELECT state, version FROM rollbacks
         WHERE environment = $1 AND ${TOUCHED}
           AND seq > COALESCE((SELECT MAX(seq) FROM rollbacks
                 WHERE environment = $1 AND ${TOUCHED} AND state ->> 'rootCauseCleared' IS NOT NULL), 0)
         ORDER BY seq DESC`,
      [environment],
    );
    return rows.map(fromRow);
  }

  async claim(id: string, owner: string, until: number, now: number): Promise<boolean> {
    // Free, ours, or expired: never a live lease of another process, an earlier boot of this instance included.
    const res = await this.pool.query(
      `INSERT INTO leases AS l (rollback_id, owner, until) VALUES ($1, $2, $3)
         ON CONFLICT (rollback_id) DO UPDATE SET owner = excluded.owner, until = excluded.until
         WHERE l.owner = excluded.owner OR l.until < $4`,
      [id, owner, until, now],
    );
    return res.rowCount === 1;
  }

  async release(id: string, owner: string): Promise<void> {
    await this.pool.query('DELETE FROM leases WHERE rollback_id = $1 AND owner = $2', [id, owner]);
  }

  async holders(ids: readonly string[], now: number): Promise<Map<string, string>> {
    const { rows } = await this.pool.query<{ rollback_id: string; owner: string }>(
      'SELECT rollback_id, owner FROM leases WHERE rollback_id = ANY($1) AND until >= $2',
      [[...ids], now],
    );
    return new Map(rows.map((r) => [r.rollback_id, r.owner]));
  }

  async orphans(now: number, limit: number): Promise<Rollback[]> {
    const { rows } = await this.pool.query<Row>(
      `SELECT r.state, r.version FROM rollbacks r LEFT JOIN leases l ON l.rollback_id = r.id
         WHERE (r.status = ANY($1) OR (r.status = 'completed' AND r.state #>> '{steps,complete,status}' = 'running'))
           AND (l.until IS NULL OR l.until < $2)
         ORDER BY r.created_at LIMIT $3`,
      [DRIVEN, now, limit],
    );
    return rows.map(fromRow);
  }

  async recordReport(r: { environment: string; userId: string; text: string; at: string }): Promise<void> {
    await this.pool.query('INSERT INTO reports (environment, user_id, text, at) VALUES ($1, $2, $3, $4)', [
      r.environment,
      r.userId,
      r.text,
      r.at,
    ]);
  }

  async uniqueReporters(environment: string, sinceIso: string): Promise<string[]> {
    const { rows } = await this.pool.query<{ user_id: string }>(
      'SELECT DISTINCT user_id FROM reports WHERE environment = $1 AND at >= $2 ORDER BY user_id',
      [environment, sinceIso],
    );
    return rows.map((r) => r.user_id);
  }

  async reportTexts(environment: string, sinceIso: string, limit: number): Promise<string[]> {
    const { rows } = await this.pool.query<{ text: string }>(
      'SELECT text FROM reports WHERE environment = $1 AND at >= $2 ORDER BY id DESC LIMIT $3',
      [environment, sinceIso, limit],
    );
    return rows.map((r) => r.text);
  }

  async lastReportAlert(environment: string): Promise<string | null> {
    const { rows } = await this.pool.query<{ at: string }>('SELECT at FROM report_alerts WHERE environment = $1', [
      environment,
    ]);
    return rows[0]?.at ?? null;
  }

  async recordReportAlert(environment: string, at: string): Promise<void> {
    await this.pool.query(
      'INSERT INTO report_alerts (environment, at) VALUES ($1, $2) ON CONFLICT (environment) DO UPDATE SET at = excluded.at',
      [environment, at],
    );
  }

  async recordRefusal(e: RefusalRecord): Promise<void> {
    await this.pool.query('INSERT INTO refusals (at, user_id, environment, action, why) VALUES ($1, $2, $3, $4, $5)', [
      e.at,
      e.userId,
      e.environment,
      e.action,
      e.why,
    ]);
  }

  async refusals(limit: number): Promise<RefusalRecord[]> {
    const { rows } = await this.pool.query<RefusalRecord>(
      'SELECT at, user_id AS "userId", environment, action, why FROM refusals ORDER BY id DESC LIMIT $1',
      [limit],
    );
    return rows;
  }

  async recordDeploy(r: DeployReport): Promise<void> {
    await this.pool.query(
      `INSERT INTO deploy_reports (id, environment, version, commit_sha, actor, url, caller, at, accepted)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [r.id, r.environment, r.version, r.commit, r.actor, r.url, r.caller, r.at, r.accepted],
    );
  }

  async deploys(environment: string, limit: number): Promise<DeployReport[]> {
    const { rows } = await this.pool.query<DeployReport>(
      `SELECT id, environment, version, commit_sha AS "commit", actor, url, caller, at, accepted,
              verified_at AS "verifiedAt"
         FROM deploy_reports WHERE environment = $1 ORDER BY at DESC, seq DESC LIMIT $2`,
      [environment, limit],
    );
    return rows;
  }

  async markDeployVerified(environment: string, version: string, at: string): Promise<boolean> {
    const res = await this.pool.query(
      `UPDATE deploy_reports SET verified_at = $1
         WHERE verified_at IS NULL AND seq = (SELECT seq FROM deploy_reports
           WHERE environment = $2 AND version = $3 AND accepted ORDER BY at DESC, seq DESC LIMIT 1)`,
      [at, environment, version],
    );
    return (res.rowCount ?? 0) > 0;
  }

  async deployedCommits(environment: string, version: string, limit: number): Promise<string[]> {
    const { rows } = await this.pool.query<{ commit: string }>(
      `SELECT commit_sha AS "commit" FROM deploy_reports
         WHERE environment = $1 AND version = $2 AND accepted AND commit_sha IS NOT NULL
         GROUP BY commit_sha ORDER BY MAX(at) DESC, MAX(seq) DESC LIMIT $3`,
      [environment, version, limit],
    );
    return rows.map((r) => r.commit);
  }

  async lastVerifiedVersion(environment: string, service: string): Promise<string | null> {
    const { rows } = await this.pool.query<{ version: string }>(
      'SELECT version FROM verified_versions WHERE environment = $1 AND service = $2',
      [environment, service],
    );
    return rows[0]?.version ?? null;
  }

  async recordVerifiedVersion(environment: string, service: string, version: string, at: string): Promise<void> {
    await this.pool.query(
      `INSERT INTO verified_versions (environment, service, version, verified_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (environment, service) DO UPDATE SET version = excluded.version, verified_at = excluded.verified_at`,
      [environment, service, version, at],
    );
  }

  /**
   * Takes a token from a bucket shared by every replica, in one statement (the row lock orders concurrent takers):
   * refilled at `ratePerMs` up to `burst` since it was last touched, by the database's clock. Taken only if at least
   * `floor` tokens are there; otherwise says how long until there will be.
   */
  async takeToken(
    name: string,
    floor: number,
    ratePerMs: number,
    burst: number,
  ): Promise<{ taken: true } | { taken: false; waitMs: number }> {
    const refilled = 'LEAST($4::float8, b.tokens + EXTRACT(EPOCH FROM clock_timestamp() - b.at) * 1000 * $3::float8)';
    const taken = await this.pool.query(
      `INSERT INTO rate_buckets AS b (name, tokens, at) VALUES ($1, $4::float8 - 1, clock_timestamp())
       ON CONFLICT (name) DO UPDATE SET tokens = ${refilled} - 1, at = clock_timestamp()
       WHERE ${refilled} >= $2::float8
       RETURNING tokens`,
      [name, floor, ratePerMs, burst],
    );
    if (taken.rowCount === 1) return { taken: true };
    const res = await this.pool.query<{ tokens: number; elapsed: string }>(
      'SELECT tokens, EXTRACT(EPOCH FROM clock_timestamp() - at) * 1000 AS elapsed FROM rate_buckets WHERE name = $1',
      [name],
    );
    const b = res.rows[0];
    const row = { available: b ? Math.min(burst, b.tokens + Number(b.elapsed) * ratePerMs) : 0 };
    return { taken: false, waitMs: Math.max(1, Math.ceil((floor - row.available) / ratePerMs)) };
  }

  async recordAlert(a: AlertSeen): Promise<AlertRecord> {
    await this.pool.query("DELETE FROM alerts WHERE status = 'resolved' AND received_at < $1", [
      new Date(Date.parse(a.at) - ALERT_KEEP_MS).toISOString(),
    ]);
    const { rows } = await this.pool.query<AlertRecord>(
      `INSERT INTO alerts AS o (environment, fingerprint, name, severity, summary, starts_at, generator_url, status,
                                received_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (environment, fingerprint) DO UPDATE SET name = excluded.name, severity = excluded.severity,
           summary = excluded.summary, starts_at = excluded.starts_at, generator_url = excluded.generator_url,
           received_at = excluded.received_at,
           status = CASE WHEN excluded.status = 'firing' THEN 'firing' ELSE o.status END,
           resolved_at = CASE WHEN excluded.status = 'firing' THEN NULL ELSE o.resolved_at END
         RETURNING ${ALERT_COLUMNS}`,
      [a.environment, a.fingerprint, a.name, a.severity, a.summary, a.startsAt, a.generatorUrl, a.status, a.at],
    );
    return rows[0];
  }

  async claimProposal(environment: string, fingerprint: string, at: string): Promise<boolean> {
    const res = await this.pool.query(
      'UPDATE alerts SET proposed_at = $1 WHERE environment = $2 AND fingerprint = $3 AND proposed_at IS NULL',
      [at, environment, fingerprint],
    );
    return res.rowCount === 1;
  }

  async tieToRollback(environment: string, fingerprint: string, rollbackId: string): Promise<boolean> {
    const res = await this.pool.query(
      'UPDATE alerts SET rollback_id = $1 WHERE environment = $2 AND fingerprint = $3 AND rollback_id IS DISTINCT FROM $1',
      [rollbackId, environment, fingerprint],
    );
    return res.rowCount === 1;
  }

  async resolveAlert(
    environment: string,
    fingerprint: string,
    at: string,
  ): Promise<{ first: boolean; rollbackId: string | null }> {
    const { rows } = await this.pool.query<{ rollbackId: string | null }>(
      `UPDATE alerts SET status = 'resolved', resolved_at = $1
         WHERE environment = $2 AND fingerprint = $3 AND status = 'firing' RETURNING rollback_id AS "rollbackId"`,
      [at, environment, fingerprint],
    );
    return rows[0] ? { first: true, rollbackId: rows[0].rollbackId } : { first: false, rollbackId: null };
  }

  async firingAlerts(limit: number): Promise<AlertRecord[]> {
    const { rows } = await this.pool.query<AlertRecord>(
      `SELECT ${ALERT_COLUMNS} FROM alerts WHERE status = 'firing' ORDER BY starts_at DESC, received_at DESC LIMIT $1`,
      [limit],
    );
    return rows;
  }

  async firstDelivery(key: string, at: number): Promise<boolean> {
    // Pruned once a minute per process, not on every request.
    if (at - this.prunedAt > 60_000) {
      this.prunedAt = at;
      await this.pool.query('DELETE FROM deliveries WHERE at < $1', [at - DELIVERY_KEEP_MS]);
    }
    const res = await this.pool.query('INSERT INTO deliveries (key, at) VALUES ($1, $2) ON CONFLICT DO NOTHING', [
      key,
      at,
    ]);
    return res.rowCount === 1;
  }

  private async activeFor(environment: string): Promise<Rollback | null> {
    const { rows } = await this.pool.query<Row>(
      'SELECT state, version FROM rollbacks WHERE environment = $1 AND NOT (status = ANY($2))',
      [environment, TERMINAL],
    );
    return rows[0] ? fromRow(rows[0]) : null;
  }

  private async appendTimeline(
    c: PoolClient,
    id: string,
    at: string,
    type: string,
    actor: string | null,
    event: unknown,
  ): Promise<void> {
    // The caller holds the rollback's row (insert, update or FOR UPDATE): seq is computed by one writer at a time.
    await c.query(
      `INSERT INTO timeline (rollback_id, seq, at, type, actor, event)
         SELECT $1, COALESCE(MAX(seq), 0) + 1, $2, $3, $4, $5 FROM timeline WHERE rollback_id = $1`,
      [id, at, type, actor, JSON.stringify(event)],
    );
  }
}
