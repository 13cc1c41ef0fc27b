import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { createApp } from '../../src/app.setup';
import { AppConfig, validateEnv } from '../../src/config';
import { checkedRequest } from './checked-http';
import { createTestDatabase, databaseKinds, DatabaseKind, TestDatabase } from './test-database';

export interface TestApp {
  app: NestFastifyApplication;
  config: AppConfig;
  db: TestDatabase;
  /** Every JSON log line the app wrote. */
  logs: string[];
  http(): ReturnType<typeof request>;
  close(): Promise<void>;
}

export type ConfigOverrides = Partial<Omit<AppConfig, 'embedded'>>;

/** The config a test app runs with: the same validation as production. */
export function testConfig(db: TestDatabase, overrides: ConfigOverrides = {}): AppConfig {
  const env: Record<string, string> = {
    DATA_DIR: db.dataDir,
    LOG_LEVEL: 'info',
    RATE_LIMIT_AUTH_PER_MINUTE: '100000',
    RATE_LIMIT_WIDGET_PER_MINUTE: '1000000',
    RATE_LIMIT_WIDGET_ANY_PER_MINUTE: '100000000',
    RATE_LIMIT_MEMBERS_PER_MINUTE: '1000000',
    MAX_PROJECTS_PER_USER: '1000000',
    MAX_ROTATIONS_PER_HOUR: '1000000',
  };
  if (db.databaseUrl) {
    env.DATABASE_URL = db.databaseUrl;
    env.DATABASE_SCHEMA = db.schema!;
    env.AUTH_JWT_SECRET = randomBytes(32).toString('hex');
    env.SECRETS_MASTER_KEY = randomBytes(32).toString('hex');
  }
  const config = validateEnv(env);
  return AppConfig.of({ ...config, ...overrides });
}

/** Starts the whole app (AppModule, global providers) on a test database. */
export async function startTestApp(
  db: TestDatabase,
  overrides: ConfigOverrides = {},
): Promise<TestApp> {
  const config = testConfig(db, overrides);
  const logs: string[] = [];
  const app = await createApp(config, {
    logDestination: { write: (line: string) => logs.push(line) },
  });
  try {
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  } catch (error) {
    // Release the database (PGlite, pool) so a failed start cannot hang the run.
    await app.close().catch(() => undefined);
    throw error;
  }
  return {
    app,
    config,
    db,
    logs,
    http: () => checkedRequest(app.getHttpServer()),
    close: () => app.close(),
  };
}

/**
 * Runs `body` once per database kind (PGlite; PostgreSQL with
 * TEST_DATABASE_URL), each on a private database and a fresh app.
 */
export function describeEachDatabase(
  title: string,
  body: (ctx: () => TestApp, kind: DatabaseKind) => void,
  overrides: ConfigOverrides = {},
): void {
  describe.each(databaseKinds())(`${title} [%s]`, (kind) => {
    let testApp: TestApp | undefined;
    beforeAll(async () => {
      const db = await createTestDatabase(kind);
      testApp = await startTestApp(db, overrides);
    });
    afterAll(async () => {
      await testApp?.close();
      await testApp?.db.drop();
    });
    body(() => {
      if (!testApp) throw new Error('the test app did not start');
      return testApp;
    }, kind);
  });
}
