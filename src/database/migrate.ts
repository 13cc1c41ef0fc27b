import { DataSource, MigrationExecutor } from 'typeorm';

/** Any constant shared by every instance; only one of them migrates at a time. */
const MIGRATION_LOCK_KEY = 7_351_902_114;

/**
 * Runs pending migrations while holding a PostgreSQL advisory lock, on one
 * connection (so it also works on embedded PGlite's single session). A second
 * instance starting at the same time waits, then finds nothing to do.
 */
export async function migrateWithLock(dataSource: DataSource): Promise<void> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      const executor = new MigrationExecutor(dataSource, runner);
      executor.transaction = 'each';
      await executor.executePendingMigrations();
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } finally {
    await runner.release();
  }
}
