import { randomUUID } from 'node:crypto';
import { bearer, createProject, signUp, type Account } from './helpers/accounts';
import { describeEachDatabase } from './helpers/test-app';
import {
  mintToken,
  revealSecretKey,
  updateWidgetSecurity,
  widgetUrl,
} from './helpers/widget-client';

const DASHBOARD = 'https://dash.example.com';

describeEachDatabase(
  'widget origins and CORS over HTTP',
  (ctx) => {
    let owner: Account;
    const http = () => ctx().http();
    const config = (id: string, origin?: string) => {
      const req = http().get(widgetUrl(id, '/config'));
      return origin === undefined ? req : req.set('Origin', origin);
    };
    const preflight = (id: string, origin: string, path = '/config', method = 'GET') =>
      http()
        .options(widgetUrl(id, path))
        .set('Origin', origin)
        .set('Access-Control-Request-Method', method)
        .set('Access-Control-Request-Headers', 'authorization,content-type');

    async function projectWith(allowedOrigins: string[], requireToken = false): Promise<string> {
      const { id } = await createProject(http(), owner.accessToken);
      await updateWidgetSecurity(http(), owner.accessToken, id, { allowedOrigins, requireToken });
      return id;
    }

    beforeAll(async () => {
      owner = await signUp(http());
    });

    describe('allowed origins (API.md §3) through real requests', () => {
      let id: string;
      beforeAll(async () => {
        id = await projectWith([
          'https://exact.example',
          '*.myapp.com',
          'http://localhost:3000',
          'http://*.dev.example',
          'https://*.ports.example:8443',
        ]);
      });

      it.each([
        ['https://exact.example', 'exact'],
        ['HTTPS://EXACT.Example', 'case of scheme and host ignored'],
        ['https://exact.example:443', 'default port'],
        ['https://a.myapp.com', 'wildcard, one label'],
        ['https://a.b.c.myapp.com', 'wildcard, any depth'],
        ['http://localhost:3000', 'exact with a port'],
        ['http://x.dev.example', 'http wildcard'],
        ['https://x.ports.example:8443', 'wildcard with a port'],
      ])('allows %s (%s), echoing it', async (origin) => {
        const res = await config(id, origin);
        expect(res.status).toBe(200);
        expect(res.headers['access-control-allow-origin']).toBe(origin);
        expect(res.headers.vary).toMatch(/\bOrigin\b/);
      });

      it.each([
        ['https://myapp.com', 'the apex of a wildcard'],
        ['https://evilmyapp.com', 'a look-alike suffix'],
        ['https://myapp.com.evil.com', 'the allowed host as a prefix'],
        ['http://a.myapp.com', 'http against an https wildcard'],
        ['http://exact.example', 'http against an https origin'],
        ['https://exact.example:8443', 'another port'],
        ['https://a.myapp.com:8443', 'another port on a wildcard'],
        ['http://localhost:3001', 'another port on localhost'],
        ['http://localhost', 'no port where one is listed'],
        ['https://x.dev.example', 'https against an http wildcard'],
        ['http://dev.example', 'the apex of an http wildcard'],
        ['https://x.ports.example', 'the default port against a ported wildcard'],
        ['null', 'the opaque origin'],
        ['https://exact.example/path', 'an origin with a path'],
      ])('refuses %s (%s): 403 with the origin echoed', async (origin) => {
        const res = await config(id, origin);
        expect(res.status).toBe(403);
        expect(res.body.code).toBe('origin_not_allowed');
        expect(res.body.message).toContain('Settings > Widget > Security');
        expect(res.headers['access-control-allow-origin']).toBe(origin);
      });

      it('refuses a request without an Origin header when the list is not empty', async () => {
        const res = await config(id);
        expect(res.status).toBe(403);
        expect(res.body.code).toBe('origin_not_allowed');
        expect(res.headers['access-control-allow-origin']).toBeUndefined();
      });
    });

    describe('an empty list allows every origin (development mode)', () => {
      it.each([['https://anything.example'], ['http://localhost:5173'], ['null']])(
        'allows %s',
        async (origin) => {
          const id = await projectWith([]);
          const res = await config(id, origin);
          expect(res.status).toBe(200);
          expect(res.headers['access-control-allow-origin']).toBe(origin);
        },
      );

      it('allows a request without Origin, with no CORS header to give', async () => {
        const res = await config(await projectWith([]));
        expect(res.status).toBe(200);
        expect(res.headers['access-control-allow-origin']).toBeUndefined();
      });
    });

    describe('preflight', () => {
      it('allows a listed origin with 204 and the CORS headers, token or not', async () => {
        const id = await projectWith(['https://shop.example'], true);
        for (const path of ['/config', '/sessions', `/sessions/${randomUUID()}/messages`]) {
          const res = await preflight(id, 'https://shop.example', path, 'POST');
          expect(res.status).toBe(204);
          expect(res.headers['access-control-allow-origin']).toBe('https://shop.example');
          expect(res.headers.vary).toMatch(/\bOrigin\b/);
          expect(res.headers['access-control-allow-methods']).toMatch(/GET/);
          expect(res.headers['access-control-allow-methods']).toMatch(/POST/);
          expect(res.headers['access-control-allow-headers']).toMatch(
            /Authorization, Content-Type/,
          );
          expect(Number(res.headers['access-control-max-age'])).toBeGreaterThan(0);
        }
      });

      it('gives a blocked origin no allowing answer', async () => {
        const id = await projectWith(['https://shop.example']);
        const res = await preflight(id, 'https://evil.example');
        expect(res.status).toBe(403);
        expect(res.body.code).toBe('origin_not_allowed');
        expect(res.headers['access-control-allow-origin']).toBeUndefined();
        expect(res.headers['access-control-allow-methods']).toBeUndefined();
      });

      it('gives an unknown project no allowing answer', async () => {
        const res = await preflight(randomUUID(), 'https://shop.example');
        expect(res.status).toBe(404);
        expect(res.body.code).toBe('project_not_found');
        expect(res.headers['access-control-allow-origin']).toBeUndefined();
      });

      it('follows a change of the list at once', async () => {
        const id = await projectWith(['https://shop.example']);
        expect((await preflight(id, 'https://new.example')).status).toBe(403);
        await updateWidgetSecurity(http(), owner.accessToken, id, {
          allowedOrigins: ['https://new.example'],
        });
        expect((await preflight(id, 'https://new.example')).status).toBe(204);
      });
    });

    describe('the admin CORS (DASHBOARD_ORIGINS) leaves widget routes alone', () => {
      it('does not answer a widget preflight from a dashboard origin', async () => {
        const id = await projectWith(['https://shop.example']);
        const res = await preflight(id, DASHBOARD);
        expect(res.status).toBe(403);
        expect(res.headers['access-control-allow-origin']).toBeUndefined();
        expect(res.headers['access-control-allow-methods']).toBeUndefined();
      });

      it('does not decorate widget answers with the admin headers', async () => {
        const id = await projectWith(['https://shop.example']);
        const token = mintToken(await revealSecretKey(http(), owner.accessToken, id), {
          userId: 'u',
        });
        const res = await config(id, 'https://shop.example').set(
          'Authorization',
          `Bearer ${token}`,
        );
        expect(res.status).toBe(200);
        // Ours exposes WWW-Authenticate; the admin configuration would not.
        expect(res.headers['access-control-expose-headers']).toMatch(/WWW-Authenticate/);
        const blocked = await config(id, DASHBOARD);
        expect(blocked.status).toBe(403);
        expect(blocked.headers['access-control-allow-origin']).toBe(DASHBOARD);
      });

      it('still answers admin preflights from dashboard origins only', async () => {
        const admin = await http()
          .options('/api/v1/projects')
          .set('Origin', DASHBOARD)
          .set('Access-Control-Request-Method', 'POST');
        expect(admin.status).toBe(204);
        expect(admin.headers['access-control-allow-origin']).toBe(DASHBOARD);
        const foreign = await http()
          .get('/api/v1/auth/me')
          .set('Origin', 'https://shop.example')
          .set(bearer(owner.accessToken));
        expect(foreign.headers['access-control-allow-origin']).toBeUndefined();
      });

      it('allows every method the admin API uses, with Authorization and Content-Type (§7)', async () => {
        for (const method of ['GET', 'HEAD', 'POST', 'PATCH', 'DELETE']) {
          const res = await http()
            .options(`/api/v1/projects/${randomUUID()}/widget/security`)
            .set('Origin', DASHBOARD)
            .set('Access-Control-Request-Method', method)
            .set('Access-Control-Request-Headers', 'authorization, content-type');
          expect({ method, status: res.status }).toEqual({ method, status: 204 });
          const allowed = String(res.headers['access-control-allow-methods']).split(/\s*,\s*/);
          expect(allowed).toEqual(expect.arrayContaining([method]));
          expect(String(res.headers['access-control-allow-headers']).toLowerCase()).toMatch(
            /authorization.*content-type/,
          );
        }
      });
    });
  },
  { dashboardOrigins: [DASHBOARD] },
);
