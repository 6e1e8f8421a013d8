/**
 * The Postgres schema, as numbered migrations applied at start. Replicas that start at the same moment take turns
 * on an advisory lock, so each migration runs once; a migration is recorded in the same transaction that applies it.
 */
import type { Pool } from 'pg';
import { TERMINAL_STATUSES } from '../../domain/rollback';

const MIGRATIONS: ReadonlyArray<{ version: number; name: string; sql: string }> = [
  {
    version: 1,
    name: 'rollbacks, timeline, leases, deliveries, reports, refusals, verified versions',
    sql: `
CREATE TABLE rollbacks (
  id          TEXT PRIMARY KEY,
  environment TEXT NOT NULL,
  status      TEXT NOT NULL,
  version     INTEGER NOT NULL,
  created_at  TEXT NOT NULL,
  updated_at  TEXT NOT NULL,
  ended_at    TEXT,
  state       JSONB NOT NULL
);
CREATE INDEX rollbacks_by_environment ON rollbacks(environment, created_at);
CREATE INDEX rollbacks_by_end ON rollbacks((COALESCE(ended_at, created_at)));
CREATE TABLE timeline (
  rollback_id TEXT NOT NULL REFERENCES rollbacks(id),
  seq         INTEGER NOT NULL,
  at          TEXT NOT NULL,
  type        TEXT NOT NULL,
  actor       TEXT,
  event       JSONB NOT NULL,
  PRIMARY KEY (rollback_id, seq)
);
-- Who is driving a rollback, until when (ms since epoch).
CREATE TABLE leases (
  rollback_id TEXT PRIMARY KEY REFERENCES rollbacks(id),
  owner       TEXT NOT NULL,
  until       BIGINT NOT NULL
);
-- Slack deliveries already handled (trigger ids), shared by every replica.
CREATE TABLE deliveries (
  key TEXT PRIMARY KEY,
  at  BIGINT NOT NULL
);
CREATE INDEX deliveries_by_at ON deliveries(at);
CREATE TABLE refusals (
  id          BIGSERIAL PRIMARY KEY,
  at          TEXT NOT NULL,
  user_id     TEXT NOT NULL,
  environment TEXT,
  action      TEXT NOT NULL,
  why         TEXT NOT NULL
);
CREATE TABLE reports (
  id          BIGSERIAL PRIMARY KEY,
  environment TEXT NOT NULL,
  user_id     TEXT NOT NULL,
  text        TEXT NOT NULL,
  at          TEXT NOT NULL
);
CREATE INDEX reports_by_environment ON reports(environment, at);
CREATE TABLE report_alerts (
  environment TEXT PRIMARY KEY,
  at          TEXT NOT NULL
);
CREATE TABLE verified_versions (
  environment TEXT NOT NULL,
  service     TEXT NOT NULL,
  version     TEXT NOT NULL,
  verified_at TEXT NOT NULL,
  PRIMARY KEY (environment, service)
);
`,
  },
  {
    version: 2,
    name: "Slack's rate limits as token buckets shared by every replica",
    sql: `
-- One row per bucket (chat.update for the workspace): tokens left at \`at\` (the database's clock, so every
-- replica measures the refill with the same clock).
CREATE TABLE rate_buckets (
  name   TEXT PRIMARY KEY,
  tokens DOUBLE PRECISION NOT NULL,
  at     TIMESTAMPTZ NOT NULL
);
`,
  },
  {
    version: 3,
    name: 'deploys as CI reports them',
    sql: `
CREATE TABLE deploy_reports (
  seq         BIGSERIAL PRIMARY KEY,
  id          TEXT NOT NULL UNIQUE,
  environment TEXT NOT NULL,
  version     TEXT NOT NULL,
  commit_sha  TEXT,
  actor       TEXT,
  url         TEXT,
  caller      TEXT NOT NULL,
  at          TEXT NOT NULL,
  accepted    BOOLEAN NOT NULL
);
CREATE INDEX deploy_reports_by_environment ON deploy_reports(environment, at);
`,
  },
  {
    version: 4,
    name: 'deploys seen healthy',
    sql: `
ALTER TABLE deploy_reports ADD COLUMN verified_at TEXT;
`,
  },
  {
    version: 5,
    name: 'rollbacks in the order they were made',
    // What "since an environment's mark was last cleared" is measured in: the database's own order of creation, not
    // the replicas' clocks (which may disagree). Rows made before it are numbered in the order of their request time.
    sql: `
ALTER TABLE rollbacks ADD COLUMN seq BIGSERIAL;
UPDATE rollbacks r SET seq = o.n
  FROM (SELECT id, row_number() OVER (ORDER BY created_at, id) AS n FROM rollbacks) o WHERE r.id = o.id;
SELECT setval(pg_get_serial_sequence('rollbacks', 'seq'), COALESCE((SELECT MAX(seq) FROM rollbacks), 0) + 1, false);
CREATE INDEX rollbacks_by_environment_seq ON rollbacks(environment, seq);
`,
  },
  {
    version: 6,
    name: 'alerts from Alertmanager',
    sql: `
CREATE TABLE alerts (
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
CREATE INDEX alerts_by_status ON alerts(status, received_at);
`,
  },
];

/** The newest migration this build knows. */
export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;

const LOCK_INDEX = 'one_active_rollback_per_environment';

/**
 * The per-environment lock: at most one rollback that is not finished. Its predicate lists the final states, so it is
 * made again (new one first, then the old one dropped) whenever this build's list differs from the database's.
 */
async function ensureLockIndex(client: { query: Pool['query'] }): Promise<void> {
  const predicate = TERMINAL_STATUSES.map((s) => `'${s}'`).join(', ');
  const { rows } = await client.query<{ indexname: string; indexdef: string }>(
    `SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND indexname LIKE $1`,
    [`${LOCK_INDEX}%`],
  );
  const current = rows.find(
    (r) =>
      TERMINAL_STATUSES.every((s) => r.indexdef.includes(`'${s}'`)) &&
      (r.indexdef.match(/'[a-z_]+'/g) ?? []).length === TERMINAL_STATUSES.length,
  );
  if (current) return;
  const name = `${LOCK_INDEX}_${Date.now().toString(36)}`;
  await client.query(`CREATE UNIQUE INDEX ${name} ON rollbacks(environment) WHERE status NOT IN (${predicate})`);
  for (const old of rows) await client.query(`DROP INDEX ${old.indexname}`);
}

export async function migrate(pool: Pool, schema: string): Promise<void> {
  const client = await pool.connect();
  try {
    // One replica at a time, per schema; the lock is released when this session ends at the latest.
    await client.query('SELECT pg_advisory_lock(hashtext($1))', [`rollback-bot:${schema}`]);
    try {
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
      await client.query(`SET search_path TO ${schema}`);
      await client.query(
        'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())',
      );
      const { rows } = await client.query<{ version: number }>('SELECT version FROM schema_migrations');
      const applied = new Set(rows.map((r) => r.version));
      const newest = Math.max(0, ...applied);
      if (newest > SCHEMA_VERSION)
        throw new Error(
          `the database's schema is at version ${newest}, newer than this build knows (${SCHEMA_VERSION}): run a newer build`,
        );
      for (const m of MIGRATIONS) {
        if (applied.has(m.version)) continue;
        await client.query('BEGIN');
        try {
          await client.query(m.sql);
          await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
          await client.query('COMMIT');
        } catch (err) {
          await client.query('ROLLBACK').catch(() => undefined);
          throw err;
        }
      }
      await ensureLockIndex(client);
    } finally {
      await client.query('SELECT pg_advisory_unlock(hashtext($1))', [`rollback-bot:${schema}`]).catch(() => undefined);
    }
  } finally {
    client.release();
  }
}
