import type { DataSourceOptions } from 'typeorm';
import { ENTITIES } from './entities';
import { MIGRATIONS } from './migrations';

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
      ...(schema ? { options: `-c search_path=${schema}` } : {}),
    },
  };
}
