import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';

export type DatabaseKind = 'pglite' | 'postgres';

/** Embedded PGlite always; real PostgreSQL too when TEST_DATABASE_URL is set. */
export function databaseKinds(): DatabaseKind[] {
  return process.env.TEST_DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];
}

/** A private database for one test file: a PGlite folder, or a fresh schema. */
export interface TestDatabase {
  kind: DatabaseKind;
  /** DATA_DIR (its secrets and PGlite data) for embedded mode. */
  dataDir: string;
  databaseUrl: string | null;
  schema: string | null;
  drop(): Promise<void>;
}

export async function createTestDatabase(kind: DatabaseKind): Promise<TestDatabase> {
  const dataDir = mkdtempSync(join(tmpdir(), 'hissuno-test-'));
  const removeDir = (): void => rmSync(dataDir, { recursive: true, force: true });
  if (kind === 'pglite') {
    const template = process.env.HISSUNO_PGLITE_TEMPLATE;
    if (template) cpSync(template, join(dataDir, 'pgdata'), { recursive: true });
    return { kind, dataDir, databaseUrl: null, schema: null, drop: async () => removeDir() };
  }
  const url = process.env.TEST_DATABASE_URL!;
  const name = new URL(url).pathname.slice(1);
  if (!name.includes('test')) {
    throw new Error(`Refusing to run tests on database "${name}": its name must contain "test".`);
  }
  const schema = `t_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  await withClient(url, (c) => c.query(`CREATE SCHEMA ${schema}`));
  return {
    kind,
    dataDir,
    databaseUrl: url,
    schema,
    drop: async () => {
      await withClient(url, (c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));
      removeDir();
    },
  };
}

export async function withClient<T>(url: string, use: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}
