import { randomUUID } from 'node:crypto';
import { createProject, signUp, type Account } from './helpers/accounts';
import { expectContract, send, type Reply } from './helpers/hostile';
import { describeEachDatabase, startTestApp, type TestApp } from './helpers/test-app';
import { createTestDatabase, type TestDatabase } from './helpers/test-database';
import { updateWidgetSecurity, widgetUrl } from './helpers/widget-client';

const LIMIT = 5;
const SITE = 'https://shop.example.com';
const ELSEWHERE = 'https://elsewhere.example';

let addresses = 0;
/** A client address no other test uses (the limit counts per address and project). */
const freshAddress = () => `10.${Math.floor(++addresses / 250)}.${addresses % 250}.7`;

type Call = (app: TestApp, address: string, origin?: string) => Promise<Reply>;

/** Every widget route (API.md §6) and its CORS preflight, as a call from `address`. */
function widgetRoutes(projectId: () => string, sessionId: () => string): [string, Call, number][] {
  const call =
    (method: string, path: string, body?: unknown): Call =>
    (app, address, origin = SITE) =>
      send(app, {
        method,
        url: widgetUrl(projectId(), path),
        headers: {
          origin,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(method === 'OPTIONS' ? { 'access-control-request-method': 'POST' } : {}),
        },
        payload: body === undefined ? undefined : JSON.stringify(body),
        remoteAddress: address,
      });
  return [
    ['GET /config', call('GET', '/config'), 200],
    ['POST /sessions', call('POST', '/sessions', { userId: 'limited' }), 201],
    ['GET /sessions', call('GET', '/sessions?userId=limited'), 200],
    [
      'GET /sessions/:id/messages',
      call('GET', `/sessions/${sessionId()}/messages?userId=limited`),
      200,
    ],
    [
      'POST /sessions/:id/messages',
      call('POST', `/sessions/${sessionId()}/messages?userId=limited`, { content: 'hi' }),
      201,
    ],
    ['OPTIONS (preflight)', call('OPTIONS', '/sessions'), 204],
  ];
}

function expectLimited(reply: Reply, origin: string | null): void {
  expectContract(reply, 'the refusal over the limit');
  expect(reply.status).toBe(429);
  expect(reply.body.code).toBe('rate_limited');
  const retryAfter = Number(reply.headers['retry-after']);
  expect(retryAfter).toBeGreaterThan(0);
  expect(retryAfter).toBeLessThanOrEqual(60);
  expect(String(reply.headers.vary)).toMatch(/Origin/i);
  if (origin === null) {
    expect(reply.headers['access-control-allow-origin']).toBeUndefined();
  } else {
    // The widget can read it: the origin echoed, Retry-After exposed (as on the 403).
    expect(reply.headers['access-control-allow-origin']).toBe(origin);
    expect(String(reply.headers['access-control-expose-headers'])).toMatch(/Retry-After/);
  }
}

describeEachDatabase(
  `widget rate limit (RATE_LIMIT_WIDGET_PER_MINUTE=${LIMIT})`,
  (ctx) => {
    let owner: Account;
    let projectId: string;
    let sessionId: string;
    const routes = () =>
      widgetRoutes(
        () => projectId,
        () => sessionId,
      );

    beforeAll(async () => {
      owner = await signUp(ctx().http());
      projectId = (await createProject(ctx().http(), owner.accessToken)).id;
      await updateWidgetSecurity(ctx().http(), owner.accessToken, projectId, {
        allowedOrigins: [SITE],
      });
      const created = await send(ctx(), {
        method: 'POST',
        url: widgetUrl(projectId, '/sessions'),
        headers: { origin: SITE, 'content-type': 'application/json' },
        payload: JSON.stringify({ userId: 'limited' }),
        remoteAddress: freshAddress(),
      });
      sessionId = created.body.sessionId;
    });

    it.each([
      'GET /config',
      'POST /sessions',
      'GET /sessions',
      'GET /sessions/:id/messages',
      'POST /sessions/:id/messages',
      'OPTIONS (preflight)',
    ])('limits %s per client address, with a 429 the widget can read', async (name) => {
      const [, call, success] = routes().find(([route]) => route === name)!;
      const address = freshAddress();
      for (let i = 0; i < LIMIT; i++) expect((await call(ctx(), address)).status).toBe(success);
      expectLimited(await call(ctx(), address), name.startsWith('OPTIONS') ? null : SITE);
      // Another address is not affected.
      expect((await call(ctx(), freshAddress())).status).toBe(success);
    });

    it('counts every route of a project against one counter', async () => {
      const address = freshAddress();
      const all = routes();
      for (let i = 0; i < LIMIT; i++) {
        const [name, call, success] = all[i % all.length];
        expect({ name, status: (await call(ctx(), address)).status }).toEqual({
          name,
          status: success,
        });
      }
      for (const [, call] of all) expect((await call(ctx(), address)).status).toBe(429);
    });

    it('counts refused requests too, and answers a blocked origin’s 429 readably', async () => {
      const [, config] = routes()[0];
      const address = freshAddress();
      for (let i = 0; i < LIMIT; i++)
        expect((await config(ctx(), address, ELSEWHERE)).status).toBe(403);
      expectLimited(await config(ctx(), address, SITE), SITE);
      expectLimited(await config(ctx(), address, ELSEWHERE), ELSEWHERE);
    });

    it('counts per project, whatever the case of its id', async () => {
      const address = freshAddress();
      const other = (await createProject(ctx().http(), owner.accessToken)).id;
      const config = (id: string) =>
        send(ctx(), {
          method: 'GET',
          url: widgetUrl(id, '/config'),
          headers: { origin: SITE },
          remoteAddress: address,
        });
      for (let i = 0; i < LIMIT; i++) await config(i % 2 ? projectId.toUpperCase() : projectId);
      expect((await config(projectId.toUpperCase())).status).toBe(429);
      expect((await config(other)).status).toBe(200);
    });

    it('never counts unknown or malformed project ids (404, never 429)', async () => {
      const address = freshAddress();
      for (const id of [randomUUID(), randomUUID(), 'not-a-uuid']) {
        for (let i = 0; i < LIMIT + 2; i++) {
          const reply = await send(ctx(), {
            method: 'GET',
            url: widgetUrl(id, '/config'),
            remoteAddress: address,
          });
          expect(reply.body.code).toBe('project_not_found');
        }
      }
    });
  },
  { rateLimitWidgetPerMinute: LIMIT },
);

const redisUrl = process.env.TEST_REDIS_URL;
const databaseUrl = process.env.TEST_DATABASE_URL;
if (!redisUrl || !databaseUrl) {
  console.log(
    'rate-limit-widget: the shared-counter test is skipped — it needs TEST_REDIS_URL and ' +
      'TEST_DATABASE_URL (two instances share one database and one Redis).',
  );
}

(redisUrl && databaseUrl ? describe : describe.skip)(
  'widget rate limit shared through Redis [postgres]',
  () => {
    let db: TestDatabase;
    let a: TestApp;
    let b: TestApp;
    let projectId: string;

    beforeAll(async () => {
      db = await createTestDatabase('postgres');
      a = await startTestApp(db, { redisUrl: redisUrl!, rateLimitWidgetPerMinute: LIMIT });
      b = await startTestApp(db, {
        redisUrl: redisUrl!,
        rateLimitWidgetPerMinute: LIMIT,
        secretsMasterKey: a.config.secretsMasterKey,
        authJwtSecret: a.config.authJwtSecret,
      });
      const owner = await signUp(a.http());
      projectId = (await createProject(a.http(), owner.accessToken)).id;
    });

    afterAll(async () => {
      await b?.close();
      await a?.close();
      await db?.drop();
    });

    it('shares one counter per address and project between two instances', async () => {
      const address = freshAddress();
      const config = (app: TestApp) =>
        send(app, {
          method: 'GET',
          url: widgetUrl(projectId, '/config'),
          headers: { origin: SITE },
          remoteAddress: address,
        });
      for (let i = 0; i < LIMIT; i++) expect((await config(i % 2 ? b : a)).status).toBe(200);
      expectLimited(await config(a), SITE);
      expectLimited(await config(b), SITE);
      // Another address still gets through on both.
      const fresh = freshAddress();
      for (const app of [a, b]) {
        const reply = await send(app, {
          method: 'GET',
          url: widgetUrl(projectId, '/config'),
          remoteAddress: fresh,
        });
        expect(reply.status).toBe(200);
      }
    });
  },
);
