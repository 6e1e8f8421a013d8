/**
 * The PostgreSQL server scripts/setup-postgres.sh starts on 127.0.0.1 (ROLLBACK_TEST_PG overrides its URL). Each test
 * gets a schema of its own, dropped afterwards, so suites never see each other's rows.
 */
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { PostgresStore } from '../../src/adapters/postgres/postgres.store';

export const TEST_PG_URL = process.env.ROLLBACK_TEST_PG ?? 'postgres://rollback:rollback@127.0.0.1:54329/rollback_test';

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
