import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bearer, signUp } from './helpers/accounts';
import { startTestApp } from './helpers/test-app';
import { createTestDatabase, type TestDatabase } from './helpers/test-database';
import { forge, HS } from './helpers/widget-client';

/** The claims of a dashboard access token the service issued, signed again with `key`. */
const resigned = (accessToken: string, key: string): string =>
  forge(HS, JSON.parse(Buffer.from(accessToken.split('.')[1], 'base64url').toString()), key);

const startError = (db: TestDatabase): Promise<Error | null> =>
  startTestApp(db).then(
    async (app) => {
      await app.close();
      return null;
    },
    (error: Error) => error,
  );

/** API.md §7: embedded mode keeps its secrets in DATA_DIR, checked like the variables. */
describe('persisted secrets [pglite]', () => {
  let db: TestDatabase;
  beforeEach(async () => (db = await createTestDatabase('pglite')));
  afterEach(() => db.drop());

  it.each([
    ['auth-jwt-secret', ''],
    ['auth-jwt-secret', 'truncated-mid-write'],
    ['secrets-master-key', ''],
    ['secrets-master-key', 'ab'.repeat(20)],
  ])('refuses to start on a %s file holding %j, naming the file', async (name, content) => {
    writeFileSync(join(db.dataDir, name), content, { mode: 0o600 });
    const error = await startError(db);
    expect(error?.message).toContain(join(db.dataDir, name));
    expect(error?.message).toMatch(/empty or truncated/);
  });

  it('writes new secrets whole, leaving no temporary file behind', async () => {
    const app = await startTestApp(db);
    await app.close();
    expect(
      readdirSync(db.dataDir)
        .filter((f) => !f.startsWith('pgdata'))
        .sort(),
    ).toEqual(['auth-jwt-secret', 'secrets-master-key']);
  });

  it('never accepts a dashboard token signed with an empty key', async () => {
    const file = join(db.dataDir, 'auth-jwt-secret');
    const app = await startTestApp(db);
    const account = await signUp(app.http());
    await app.close();
    const secret = readFileSync(file, 'utf8');
    const forged = resigned(account.accessToken, '');

    // Before, an emptied file made this the key, and the forged token was let in.
    writeFileSync(file, '');
    expect((await startError(db))?.message).toContain(file);

    writeFileSync(file, secret);
    const restored = await startTestApp(db);
    try {
      await restored.http().get('/api/v1/auth/me').set(bearer(forged)).expect(401);
      await restored
        .http()
        .get('/api/v1/auth/me')
        .set(bearer(resigned(account.accessToken, secret)))
        .expect(200);
    } finally {
      await restored.close();
    }
    // Three start-ups of the app: slow on a loaded machine.
  }, 180_000);
});
