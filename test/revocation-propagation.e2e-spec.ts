import { bearer, signUp, TEST_PASSWORD } from './helpers/accounts';
import { startTestApp, type TestApp } from './helpers/test-app';
import { createTestDatabase, type TestDatabase } from './helpers/test-database';

const BOUND_MS = 1_000; // API.md §1 and §9: on every instance within 1 second

/** Polls `probe` until it holds; returns the elapsed ms, or throws after `deadlineMs`. */
async function within(deadlineMs: number, probe: () => Promise<boolean>): Promise<number> {
  const start = performance.now();
  for (;;) {
    if (await probe()) return performance.now() - start;
    if (performance.now() - start > deadlineMs) throw new Error(`not within ${deadlineMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1];

function report(what: string, times: number[]): void {
  console.log(
    `${what}: median ${median(times).toFixed(1)} ms, max ${Math.max(...times).toFixed(1)} ms ` +
      `over ${times.length} (${times.map((t) => t.toFixed(1)).join(', ')})`,
  );
}

const url = process.env.TEST_DATABASE_URL;
if (!url) {
  console.log(
    'revocation-propagation: skipped — two instances need a shared PostgreSQL server; set ' +
      'TEST_DATABASE_URL (embedded PGlite is one process, one instance).',
  );
}

(url ? describe : describe.skip)('revocations across two instances [postgres]', () => {
  let db: TestDatabase;
  let a: TestApp;
  let b: TestApp;

  const me = async (app: TestApp, token: string) =>
    (await app.http().get('/api/v1/auth/me').set(bearer(token))).status;

  beforeAll(async () => {
    db = await createTestDatabase('postgres');
    a = await startTestApp(db);
    // Same schema, same secrets: a second instance of the same deployment.
    b = await startTestApp(db, {
      secretsMasterKey: a.config.secretsMasterKey,
      authJwtSecret: a.config.authJwtSecret,
    });
  });

  afterAll(async () => {
    await b?.close();
    await a?.close();
    await db?.drop();
  });

  it('makes B refuse a token logged out on A within 1 second', async () => {
    const account = await signUp(a.http());
    const times: number[] = [];
    for (let i = 0; i < 7; i++) {
      const login = await a
        .http()
        .post('/api/v1/auth/login')
        .send({ email: account.email, password: TEST_PASSWORD })
        .expect(200);
      const token: string = login.body.accessToken;
      expect(await me(b, token)).toBe(200);
      await a.http().post('/api/v1/auth/logout').set(bearer(token)).expect(204);
      times.push(await within(BOUND_MS, async () => (await me(b, token)) === 401));
    }
    report('logout on A → refused on B', times);
    expect(await me(b, account.accessToken)).toBe(200); // only the logged-out tokens ended
  });

  it('makes B refuse every earlier token once the password changed on A', async () => {
    const account = await signUp(a.http());
    expect(await me(b, account.accessToken)).toBe(200);
    const changed = await a
      .http()
      .post('/api/v1/auth/password')
      .set(bearer(account.accessToken))
      .send({ currentPassword: TEST_PASSWORD, newPassword: 'another long passphrase' })
      .expect(200);
    const elapsed = await within(BOUND_MS, async () => (await me(b, account.accessToken)) === 401);
    console.log(`password change on A → old token refused on B: ${elapsed.toFixed(1)} ms`);
    expect(await me(b, changed.body.accessToken)).toBe(200);
  });
});
