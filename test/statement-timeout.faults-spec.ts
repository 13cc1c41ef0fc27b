import { TEST_PASSWORD, uniqueEmail } from './helpers/accounts';
import { call, createProjectOver, signUpOver, until, type Answer } from './helpers/http-client';
import { TcpProxy } from './helpers/tcp-proxy';
import { startTestApp, type TestApp } from './helpers/test-app';
import { createTestDatabase, type TestDatabase } from './helpers/test-database';

const STATEMENT_TIMEOUT_MS = 1_500;
/** A fresh connection into the black hole gives up at connectionTimeoutMillis (3 s). */
const CONNECT_TIMEOUT_MS = 3_000;

const summary = (answer: Answer) => ({
  status: answer.status,
  code: answer.body?.code,
  retryAfter: answer.headers.get('retry-after'),
});

/**
 * API.md §7: when the database does not answer within DATABASE_STATEMENT_TIMEOUT_MS the
 * request answers 503 `service_unavailable`; no request hangs. The app reaches the
 * machine's PostgreSQL through a TCP proxy that then swallows every byte (a network black
 * hole: connections stay open, nothing answers, nothing closes).
 */
describe('a black-holed database [postgres through a proxy]', () => {
  let db: TestDatabase;
  let proxy: TcpProxy;
  let app: TestApp;
  let url: string;
  let owner: { accessToken: string; email: string };
  let projectId: string;

  beforeAll(async () => {
    db = await createTestDatabase('postgres');
    const target = new URL(db.databaseUrl!);
    proxy = await TcpProxy.start(Number(target.port || 5432));
    target.host = `127.0.0.1:${proxy.port}`;
    app = await startTestApp(db, {
      databaseUrl: target.toString(),
      databaseStatementTimeoutMs: STATEMENT_TIMEOUT_MS,
    });
    await app.app.listen(0, '127.0.0.1');
    url = await app.app.getUrl();
    owner = await signUpOver(url);
    projectId = await createProjectOver(url, owner.accessToken);
  });

  afterAll(async () => {
    await app?.close().catch(() => undefined);
    await proxy?.close();
    await db?.drop();
  });

  it('answers every admin request 503 with Retry-After in bounded time, then recovers', async () => {
    // The pool warm with idle connections, which the black hole then swallows.
    await Promise.all(Array.from({ length: 8 }, () => call(url, 'GET', '/health')));
    proxy.stall();

    const project = `/api/v1/projects/${projectId}`;
    const requests: [string, string, string, unknown?][] = [
      ['me', 'GET', '/api/v1/auth/me'],
      ['projects', 'GET', '/api/v1/projects'],
      ['settings', 'GET', `${project}/widget/security`],
      ['patch', 'PATCH', `${project}/widget/security`, { requireToken: true }],
      ['create', 'POST', '/api/v1/projects', { name: 'in the black hole' }],
      ['audit', 'GET', `${project}/audit-log`],
      ['login', 'POST', '/api/v1/auth/login', { email: owner.email, password: TEST_PASSWORD }],
      ['signup', 'POST', '/api/v1/auth/signup', { email: uniqueEmail(), password: TEST_PASSWORD }],
    ];
    // Twice: first on the swallowed pooled connections, then on fresh ones into the hole.
    for (const round of ['pooled connections', 'new connections']) {
      const answers = await Promise.all(
        requests.map(async ([what, method, path, body]) => {
          const started = Date.now();
          const answer = await call(url, method, path, { token: owner.accessToken, body });
          return { what, ...summary(answer), ms: Date.now() - started };
        }),
      );
      console.log(
        `black hole (${round}): ${answers.map((a) => `${a.what} ${a.status} in ${a.ms} ms`).join(', ')}`,
      );
      for (const { ms, ...answer } of answers) {
        expect(answer).toEqual({
          what: answer.what,
          status: 503,
          code: 'service_unavailable',
          retryAfter: expect.stringMatching(/^\d+$/),
        });
        expect(ms).toBeLessThan(Math.max(STATEMENT_TIMEOUT_MS, CONNECT_TIMEOUT_MS) + 2_000);
      }
    }

    proxy.heal();
    await until(
      'the admin API to answer again',
      async () =>
        (await call(url, 'GET', `${project}/widget/security`, { token: owner.accessToken }))
          .status === 200,
    );
  });
});
