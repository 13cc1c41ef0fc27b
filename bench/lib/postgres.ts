import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

export const withoutPassword = (url: string): string => {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
};

/** The environment of an app instance on `schema` (instances sharing it share the secrets). */
export function serverEnv(databaseUrl: string, schema: string): Record<string, string> {
  return {
    DATABASE_URL: databaseUrl,
    DATABASE_SCHEMA: schema,
    AUTH_JWT_SECRET: randomBytes(32).toString('hex'),
    SECRETS_MASTER_KEY: randomBytes(32).toString('hex'),
    RATE_LIMIT_AUTH_PER_MINUTE: '1000000',
    RATE_LIMIT_WIDGET_PER_MINUTE: '10000000',
    RATE_LIMIT_WIDGET_ANY_PER_MINUTE: '100000000',
  };
}

/** Runs `use` on a fresh schema of `databaseUrl`, dropped afterwards whatever happens. */
export async function withSchema<T>(
  databaseUrl: string,
  use: (schema: string) => Promise<T>,
): Promise<T> {
  const schema = `bench_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: databaseUrl, connectionTimeoutMillis: 3_000 });
  await admin.connect();
  try {
    await admin.query(`CREATE SCHEMA ${schema}`);
    return await use(schema);
  } finally {
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
    await admin.end();
  }
}

/** Whether a PostgreSQL server answers at `databaseUrl`; the reason when it does not. */
export async function unreachable(databaseUrl: string): Promise<string | null> {
  const client = new Client({ connectionString: databaseUrl, connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    await client.end().catch(() => undefined);
  }
}
