import type { DataSourceOptions } from 'typeorm';
import { ENTITIES } from './entities';
import { MIGRATIONS } from './migrations';
import { TimeoutClosingClient } from './timeout-closing-client';

export interface ConnectionTarget {
  /** A postgres:// URL, or the host/port of the embedded server. */
  url?: string;
  host?: string;
  port?: number;
  username?: string;
  database?: string;
  /** Embedded PGlite has one session: one connection, never more. */
  poolSize: number;
  schema?: string | null;
  /**
   * DATABASE_STATEMENT_TIMEOUT_MS: the server cancels a statement that runs longer
   * (`statement_timeout`), and the client gives up waiting as long for any answer
   * (`query_timeout`, the only one that helps when the server is unreachable, and the
   * only one PGlite has: it accepts `statement_timeout` but never enforces it).
   * Absent (migrations, the CLI) → no limit.
   */
  statementTimeoutMs?: number;
}

/** The one place that builds DataSource options, for the app and the CLI alike. */
export function dataSourceOptions(target: ConnectionTarget): DataSourceOptions {
  const schema = target.schema ?? undefined;
  return {
    type: 'postgres',
    url: target.url,
    host: target.host,
    port: target.port,
    username: target.username,
    database: target.database,
    schema,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    // gen_random_uuid() is built in since PostgreSQL 13: no extension to install.
    uuidExtension: 'pgcrypto',
    installExtensions: false,
    synchronize: false,
    migrationsRun: false,
    logging: false,
    extra: {
      max: target.poolSize,
      // Fail fast when the database is down: callers answer 503, not hang.
      connectionTimeoutMillis: 3000,
      ...(target.statementTimeoutMs
        ? {
            statement_timeout: target.statementTimeoutMs,
            query_timeout: target.statementTimeoutMs,
            Client: TimeoutClosingClient,
          }
        : {}),
      ...(schema ? { options: `-c search_path=${schema}` } : {}),
    },
  };
}
