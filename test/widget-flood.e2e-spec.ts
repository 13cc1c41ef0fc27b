import { randomUUID } from 'node:crypto';
import { createProject, signUp } from './helpers/accounts';
import { send, type Reply } from './helpers/hostile';
import { sqlDuring } from './helpers/sql-spy';
import { describeEachDatabase, type TestApp } from './helpers/test-app';
import { widgetUrl } from './helpers/widget-client';

const LIMIT = 40;
const SITE = 'https://shop.example.com';

/** A widget request (or its preflight) for a random, unknown project id from `address`. */
const randomId = (app: TestApp, address: string, preflight = false): Promise<Reply> =>
  send(app, {
    method: preflight ? 'OPTIONS' : 'GET',
    url: widgetUrl(randomUUID(), preflight ? '/sessions' : '/config'),
    headers: {
      origin: SITE,
      ...(preflight ? { 'access-control-request-method': 'POST' } : {}),
    },
    remoteAddress: address,
  });

/** The SQL the app sends while `body` runs, less the background work. */
async function queriesDuring(body: () => Promise<void>): Promise<string[]> {
  const queries = await sqlDuring(body);
  // The background re-check of cached projects and the statistics flush (every 5 s) are no
  // request's queries.
  return queries.filter((q) => !/security_version AS version|widget_guard_stats/.test(q));
}

/** API.md §7: RATE_LIMIT_WIDGET_ANY_PER_MINUTE, counted before any project lookup. */
describeEachDatabase(
  `a flood of unknown project ids (RATE_LIMIT_WIDGET_ANY_PER_MINUTE=${LIMIT})`,
  (ctx) => {
    it('answers 404 up to the limit, then 429 with no database query per request', async () => {
      const address = '192.0.2.10';
      const before = await queriesDuring(async () => {
        for (let i = 0; i < LIMIT; i++) {
          const reply = await randomId(ctx(), address, i % 4 === 0);
          expect(reply.status).toBe(404);
        }
      });
      // Below the limit each new random id is one lookup (this is what the limit bounds).
      expect(before.length).toBeGreaterThanOrEqual(LIMIT * 0.75);

      let limited: Reply[] = [];
      const after = await queriesDuring(async () => {
        limited = await Promise.all(
          Array.from({ length: 200 }, (_, i) => randomId(ctx(), address, i % 2 === 0)),
        );
      });
      expect(new Set(limited.map((r) => r.status))).toEqual(new Set([429]));
      expect(after).toEqual([]);
      const get = limited[1];
      expect(get.body.code).toBe('rate_limited');
      expect(Number(get.headers['retry-after'])).toBeGreaterThan(0);
      // Readable by the widget, as every widget 429 is.
      expect(get.headers['access-control-allow-origin']).toBe(SITE);
      expect(limited[0].headers['access-control-allow-origin']).toBeUndefined();
    });

    it('counts the client address whatever the project: a known project is refused too', async () => {
      const owner = await signUp(ctx().http());
      const projectId = (await createProject(ctx().http(), owner.accessToken, 'Flooded')).id;
      const address = '192.0.2.20';
      const config = () =>
        send(ctx(), {
          method: 'GET',
          url: widgetUrl(projectId, '/config'),
          remoteAddress: address,
        });
      expect((await config()).status).toBe(200);
      for (let i = 1; i < LIMIT; i++) await randomId(ctx(), address);
      expect((await config()).status).toBe(429);
      // Another address is another client.
      expect(
        (await send(ctx(), { method: 'GET', url: widgetUrl(projectId, '/config') })).status,
      ).toBe(200);
      expect((await randomId(ctx(), '192.0.2.21')).status).toBe(404);
    });
  },
  { rateLimitWidgetAnyPerMinute: LIMIT },
);
