import { createProject, signUp, type Account } from './helpers/accounts';
import { pollUntil } from './helpers/poll';
import { TcpProxy } from './helpers/tcp-proxy';
import { startTestApp, type TestApp } from './helpers/test-app';
import { createTestDatabase, type TestDatabase } from './helpers/test-database';
import {
  mintToken,
  revealSecretKey,
  rotateSecretKey,
  updateWidgetSecurity,
  widgetUrl,
} from './helpers/widget-client';
import { ProjectSecurityListener } from '../src/widget-security/project-security-listener';
import { DataSource } from 'typeorm';

const SITE = 'https://shop.example.com';
const BOUND_MS = 1_000; // API.md §4: every instance within 1 second
/** Each way: every statement from B takes at least 400 ms (a load too). */
const LATENCY_MS = 200;

const url = process.env.TEST_DATABASE_URL;
if (!url) {
  console.log(
    'widget-propagation-slow: skipped — two instances need a shared PostgreSQL server; set ' +
      'TEST_DATABASE_URL (embedded PGlite is one process, one instance).',
  );
}

/**
 * Issue 12 item 10: B hears no change notice at all and its database answers slowly; a
 * rotation on A must still be refused by B within 1 s (the cache's re-check: a tick every
 * 250 ms, each re-check with its own 750 ms timeout, none skipped while another runs).
 */
(url ? describe : describe.skip)('a lost notice and a slow database [postgres]', () => {
  let db: TestDatabase;
  let proxy: TcpProxy;
  let a: TestApp;
  let b: TestApp;
  let owner: Account;
  let projectId: string;

  const status = async (app: TestApp, token: string) => {
    const res = await app
      .http()
      .get(widgetUrl(projectId, '/config'))
      .set({ Origin: SITE, Authorization: `Bearer ${token}` });
    return res.body.code ?? String(res.status);
  };

  /**
   * Rotates through A (grace 0) `offsetMs` after B last served the old key; ms until B
   * refuses that key's token. The offsets spread the rotations over the phase of B's
   * re-check timer (without them each cycle would land at the same point of it).
   */
  async function rotationSeenByB(deadlineMs: number, offsetMs = 0): Promise<number> {
    const oldKey = await revealSecretKey(a.http(), owner.accessToken, projectId);
    const oldToken = mintToken(oldKey, { userId: 'u-slow' });
    await pollUntil('B serves the token', 5_000, async () => (await status(b, oldToken)) === '200');
    await new Promise((resolve) => setTimeout(resolve, offsetMs));
    await rotateSecretKey(a.http(), owner.accessToken, projectId, 0);
    const start = performance.now();
    await pollUntil(
      'B refuses the old key',
      deadlineMs,
      async () => (await status(b, oldToken)) === 'token_key_rotated',
      5,
    );
    return performance.now() - start;
  }

  beforeAll(async () => {
    db = await createTestDatabase('postgres');
    const target = new URL(url!);
    proxy = await TcpProxy.start(Number(target.port || 5432));
    a = await startTestApp(db);
    target.hostname = '127.0.0.1';
    target.port = String(proxy.port);
    b = await startTestApp(db, {
      databaseUrl: target.toString(),
      secretsMasterKey: a.config.secretsMasterKey,
      authJwtSecret: a.config.authJwtSecret,
    });
    // No notice reaches B: only its re-check can tell it about A's changes.
    await b.app.get(ProjectSecurityListener, { strict: false }).onModuleDestroy();
    owner = await signUp(a.http());
    projectId = (await createProject(a.http(), owner.accessToken)).id;
    await updateWidgetSecurity(a.http(), owner.accessToken, projectId, {
      requireToken: true,
      allowedOrigins: [SITE],
    });
    proxy.latency(LATENCY_MS);
  }, 60_000);

  afterAll(async () => {
    proxy?.latency(0);
    await b?.close();
    await a?.close();
    await proxy?.close();
    await db?.drop();
  });

  it('makes B refuse a rotated key within 1 s with no notice and 400 ms per statement', async () => {
    const started = performance.now();
    await b.app.get(DataSource).query('SELECT 1');
    expect(performance.now() - started).toBeGreaterThanOrEqual(2 * LATENCY_MS - 5);
    // One rotation to open B's connections at this latency (a new one takes a few trips).
    await rotationSeenByB(10_000);
    const times: number[] = [];
    for (let i = 0; i < 8; i++) times.push(await rotationSeenByB(5_000, i * 130));
    console.log(
      `no notice, ${2 * LATENCY_MS} ms per statement: rotation on A → refused on B in ` +
        `${times.map((t) => t.toFixed(0)).join(', ')} ms`,
    );
    expect(Math.max(...times)).toBeLessThanOrEqual(BOUND_MS);
  }, 120_000);
});
