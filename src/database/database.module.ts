import { Global, Inject, Injectable, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config';
import { ConnectionTarget, dataSourceOptions } from './data-source-options';
import { EmbeddedPostgres } from './embedded-postgres';
import { migrateWithLock } from './migrate';
import { ProjectChanges } from './project-changes';

const EMBEDDED = Symbol('EmbeddedPostgres');

async function openDatabase(config: AppConfig): Promise<[DataSource, EmbeddedPostgres | null]> {
  const embedded = config.embedded
    ? await EmbeddedPostgres.start(join(config.dataDir, 'pgdata'))
    : null;
  const target = embedded
    ? { ...embedded.connection, poolSize: 1 }
    : { url: config.databaseUrl!, poolSize: 10 };
  const dataSource = new DataSource(
    dataSourceOptions({
      ...target,
      schema: config.databaseSchema,
      statementTimeoutMs: config.databaseStatementTimeoutMs,
    }),
  );
  try {
    if (config.migrateOnStart) {
      await migrate(target, config.databaseSchema);
      await embedded?.idle();
    }
    await dataSource.initialize();
  } catch (error) {
    if (dataSource.isInitialized) await dataSource.destroy();
    await embedded?.stop();
    throw error;
  }
  return [dataSource, embedded];
}

/**
 * Migrations run on a connection of their own, without the statement timeout: an
 * index build may rightly take minutes, and waiting for another instance's migration
 * lock too. It is closed before the app's pool opens (PGlite has one session).
 */
async function migrate(target: ConnectionTarget, schema: string | null): Promise<void> {
  const migrator = new DataSource(dataSourceOptions({ ...target, poolSize: 1, schema }));
  try {
    await migrator.initialize();
    await migrateWithLock(migrator);
  } finally {
    if (migrator.isInitialized) await migrator.destroy();
  }
}

/** Closes the pool, then the embedded server that it talks to. */
@Injectable()
class DatabaseLifecycle implements OnApplicationShutdown {
  private readonly logger = new Logger('Database');

  constructor(
    private readonly dataSource: DataSource,
    @Inject(EMBEDDED) private readonly embedded: EmbeddedPostgres | null,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    try {
      if (this.dataSource.isInitialized) await this.dataSource.destroy();
    } finally {
      await this.embedded?.stop().catch((error: unknown) => this.logger.error(error));
    }
  }
}

/**
 * Provides the TypeORM `DataSource` (the token `TypeOrmModule.forFeature`
 * injects): PGlite in DATA_DIR without DATABASE_URL, the server otherwise.
 */
@Global()
@Module({
  providers: [
    { provide: 'DATABASE', inject: [AppConfig], useFactory: openDatabase },
    { provide: DataSource, inject: ['DATABASE'], useFactory: ([ds]: [DataSource]) => ds },
    {
      provide: EMBEDDED,
      inject: ['DATABASE'],
      useFactory: ([, pg]: [unknown, EmbeddedPostgres]) => pg,
    },
    DatabaseLifecycle,
    ProjectChanges,
  ],
  exports: [DataSource, ProjectChanges],
})
export class DatabaseModule {}
