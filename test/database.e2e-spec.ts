import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { Project } from '../src/projects/project.entity';
import { describeEachDatabase, startTestApp } from './helpers/test-app';
import { createTestDatabase } from './helpers/test-database';

describeEachDatabase('database', (ctx, kind) => {
  const dataSource = (): DataSource => ctx().app.get(DataSource);

  if (kind === 'pglite') {
    it('runs the embedded database with 32 MB of shared buffers (its RSS: README Performance)', async () => {
      const [row] = await dataSource().query('SHOW shared_buffers');
      expect(row.shared_buffers).toBe('32MB');
    });
  }

  it('has a schema that matches the entities exactly (migrations are complete)', async () => {
    const pending = await dataSource().driver.createSchemaBuilder().log();
    expect(pending.upQueries.map((q) => q.query)).toEqual([]);
  });

  it('never interleaves concurrent transactions, and a rollback takes only its own writes', async () => {
    const names = Array.from({ length: 8 }, (_, i) => `tx-probe-${i}`);
    const results = await Promise.allSettled(
      names.map((name, i) =>
        dataSource().transaction(async (manager) => {
          await manager.insert(Project, { name });
          // Yield to the event loop so the other transactions get every chance to interleave.
          await manager.query('SELECT pg_sleep(0.01)');
          await manager.insert(Project, { name: `${name}-second` });
          if (i % 2 === 0) throw new Error('roll back');
        }),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(
      names.map((_, i) => (i % 2 === 0 ? 'rejected' : 'fulfilled')),
    );
    const stored = await dataSource().query(
      `SELECT name FROM projects WHERE name LIKE 'tx-probe-%' ORDER BY name`,
    );
    const expected = names
      .filter((_, i) => i % 2 === 1)
      .flatMap((name) => [name, `${name}-second`])
      .sort();
    expect(stored.map((r: { name: string }) => r.name)).toEqual(expected);
  });
});

describe('embedded database [pglite]', () => {
  it('keeps its data and its generated secrets across a restart', async () => {
    const db = await createTestDatabase('pglite');
    try {
      const first = await startTestApp(db);
      await first.app.get(DataSource).getRepository(Project).insert({ name: 'survives restart' });
      const jwtSecret = first.config.authJwtSecret;
      await first.close();

      const second = await startTestApp(db);
      const rows = await second.app
        .get(DataSource)
        .getRepository(Project)
        .findBy({ name: 'survives restart' });
      expect(rows).toHaveLength(1);
      expect(second.config.authJwtSecret).toBe(jwtSecret);
      expect(readFileSync(join(db.dataDir, 'auth-jwt-secret'), 'utf8')).toBe(jwtSecret);
      await second.close();
    } finally {
      await db.drop();
    }
  });
});

const withPostgres = process.env.TEST_DATABASE_URL ? describe : describe.skip;
if (!process.env.TEST_DATABASE_URL) {
  console.warn('TEST_DATABASE_URL is not set: the PostgreSQL-only database tests are skipped.');
}

withPostgres('server database [postgres]', () => {
  it('lets two instances starting at once both come up, migrating once', async () => {
    const db = await createTestDatabase('postgres');
    try {
      const [a, b] = await Promise.all([startTestApp(db), startTestApp(db)]);
      const ran = await a.app.get(DataSource).query('SELECT name FROM migrations');
      expect(ran.length).toBe(a.app.get(DataSource).migrations.length);
      await a.http().get('/health').expect(200);
      await b.http().get('/health').expect(200);
      await Promise.all([a.close(), b.close()]);
    } finally {
      await db.drop();
    }
  });
});
