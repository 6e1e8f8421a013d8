/**
 * The PostgreSQL server scripts/setup-postgres.sh starts on 127.0.0.1 (ROLLBACK_TEST_PG overrides its URL). Each test
 * gets a schema of its own, dropped afterwards, so suites never see each other's rows.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { PostgresStore } from '../../src/adapters/postgres/postgres.store';
import { freePort } from './docker-env';

export const TEST_PG_URL =
  process.env.ROLLBACK_TEST_PG ?? 'postgres://rollback:pg-test-3c9f1e7a@127.0.0.1:54329/rollback_test';

async function admin<T>(work: (c: Client) => Promise<T>): Promise<T> {
  const c = new Client({ connectionString: TEST_PG_URL, connectionTimeoutMillis: 5000 });
  try {
    await c.connect();
  } catch (err) {
    throw new Error(
      `These tests need the test PostgreSQL server: run \`sudo bash scripts/setup-postgres.sh\` (${(err as Error).message})`,
    );
  }
  try {
    return await work(c);
  } finally {
    await c.end();
  }
}

export const freshSchema = (prefix = 't'): string => `${prefix}_${randomBytes(6).toString('hex')}`;

export async function dropSchema(schema: string): Promise<void> {
  await admin((c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));
}

/** A store on a schema of its own; `close` ends its pool and drops the schema. */
export async function postgresStore(schema = freshSchema()): Promise<{ store: PostgresStore; close(): Promise<void> }> {
  await admin(async () => undefined);
  const store = await PostgresStore.connect({ url: TEST_PG_URL, schema, poolSize: 4 });
  return {
    store,
    close: async () => {
      await store.close();
      await dropSchema(schema);
    },
  };
}

const execFileP = promisify(execFile);

/**
 * A PostgreSQL server of the test's own (initdb in a temporary folder, as the `postgres` user; trust on 127.0.0.1),
 * for tests that stop and start the server under a running bot without disturbing the shared one.
 */
export async function privateCluster(): Promise<{
  url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  destroy(): Promise<void>;
}> {
  const bin = readdirSync('/usr/lib/postgresql')
    .map((v) => `/usr/lib/postgresql/${v}/bin`)
    .sort()
    .at(-1);
  if (!bin) throw new Error('PostgreSQL is not installed: run `sudo bash scripts/setup-postgres.sh`');
  const dir = mkdtempSync(join(tmpdir(), 'rollback-pg-'));
  chmodSync(dir, 0o755);
  const data = join(dir, 'data');
  const asPostgres = (cmd: string, args: string[]) =>
    execFileP('runuser', ['-u', 'postgres', '--', join(bin, cmd), ...args], { timeout: 60_000 });
  await execFileP('install', ['-d', '-o', 'postgres', '-m', '700', data]);
  await asPostgres('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres']);
  const port = await freePort();
  const pgCtl = (...args: string[]) => asPostgres('pg_ctl', ['-D', data, '-w', '-t', '30', ...args]);
  const start = async () => {
    await pgCtl(
      '-l',
      join(data, 'server.log'),
      '-o',
      `-c listen_addresses=127.0.0.1 -c port=${port} -c unix_socket_directories=${data} -c fsync=off`,
      'start',
    );
  };
  await start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    stop: async () => void (await pgCtl('-m', 'fast', 'stop')),
    start,
    destroy: async () => {
      await pgCtl('-m', 'immediate', 'stop').catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
