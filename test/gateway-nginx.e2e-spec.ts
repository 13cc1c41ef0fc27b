import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { createProject, signUp, type Account } from './helpers/accounts';
import { INTERNAL_LISTENER, internalUrl, SERVICE_TOKEN } from './helpers/internal-api';
import { startEchoBackend, startNginxGateway, type NginxGateway } from './helpers/nginx-gateway';
import { describeEachDatabase } from './helpers/test-app';
import {
  forge,
  HS,
  mintToken,
  nowS,
  revealSecretKey,
  rotateSecretKey,
  updateWidgetSecurity,
  widgetUrl,
} from './helpers/widget-client';

/**
 * The proof of API.md §10 with a real gateway: Debian's nginx, configured with
 * deploy/gateways/nginx.conf (the README's), auth_request to the internal listener, in front
 * of a backend written in Python that echoes what it receives.
 */
const SITE = 'https://shop.example.com';
const LIMIT = 60;
const CORS = ['access-control-allow-origin', 'access-control-expose-headers', 'vary'];
const COMPARED = [...CORS, 'www-authenticate', 'retry-after'];
const FORGED = {
  'X-Hissuno-Project-Id': '00000000-0000-4000-8000-000000000000',
  'X-Hissuno-Verified': 'true',
  'X-Hissuno-User-Id': 'admin',
  'X-Hissuno-User-Metadata': Buffer.from('{"role":"admin"}').toString('base64url'),
  'X-Hissuno-Key-Epoch': '99',
};

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: Record<string, unknown>;
}

async function call(url: string, method: string, headers: Record<string, string>) {
  const res = await fetch(url, { method, headers, redirect: 'manual' });
  const text = await res.text();
  return {
    status: res.status,
    headers: Object.fromEntries(res.headers.entries()),
    body: (text ? JSON.parse(text) : {}) as Record<string, unknown>,
  } satisfies Answer;
}

describeEachDatabase(
  'A real nginx in front of a Python backend, guarded by authorize (API.md §10)',
  (ctx) => {
    let nginx: NginxGateway;
    let backend: { port: number; stop(): Promise<void> };
    let owner: Account;
    let guarded: string;
    let open: string;
    let oldKey: string;
    let key: string;

    const viaNginx = (id: string, headers: Record<string, string>, method = 'GET') =>
      call(`${nginx.url}/widget/${id}/config`, method, headers);
    const viaWidgetApi = async (id: string, headers: Record<string, string>, method = 'GET') => {
      const http = ctx().http();
      const path = widgetUrl(id, '/config');
      const res = await (method === 'OPTIONS' ? http.options(path) : http.get(path)).set(headers);
      return { status: res.status, headers: res.headers, body: res.body } as Answer;
    };

    beforeAll(async () => {
      backend = await startEchoBackend();
      const internal = new URL(internalUrl(ctx())).host;
      nginx = await startNginxGateway({
        internal,
        backend: `127.0.0.1:${backend.port}`,
        serviceToken: SERVICE_TOKEN,
      });
      const http = ctx().http();
      owner = await signUp(http);
      guarded = (await createProject(http, owner.accessToken)).id;
      open = (await createProject(http, owner.accessToken)).id;
      await updateWidgetSecurity(http, owner.accessToken, guarded, {
        requireToken: true,
        allowedOrigins: [SITE],
      });
      oldKey = await revealSecretKey(http, owner.accessToken, guarded);
      key = await rotateSecretKey(http, owner.accessToken, guarded);
    });
    afterAll(async () => {
      await nginx?.stop();
      await backend?.stop();
    });

    it('passes an allowed request with the verified identity, never the client’s forged one', async () => {
      const token = mintToken(key, { userId: 'Zoë 李', userMetadata: { plan: 'pro' } });
      const res = await viaNginx(guarded, {
        ...FORGED,
        Origin: SITE,
        Authorization: `Bearer ${token}`,
      });
      expect(res.status).toBe(200);
      expect(res.headers['access-control-allow-origin']).toBe(SITE);
      expect(res.headers.vary).toBe('Origin');
      const seen = res.body.headers as Record<string, string[]>;
      expect(seen['x-hissuno-project-id']).toEqual([guarded]);
      expect(seen['x-hissuno-verified']).toEqual(['true']);
      expect(seen['x-hissuno-user-id']).toEqual([encodeURIComponent('Zoë 李')]);
      expect(seen['x-hissuno-key-epoch']).toEqual(['2']);
      const metadata = Buffer.from(seen['x-hissuno-user-metadata'][0], 'base64url');
      expect(JSON.parse(metadata.toString('utf8'))).toEqual({ plan: 'pro' });
      expect(seen['x-hissuno-service-token']).toBeUndefined();
      expect(JSON.stringify(seen)).not.toContain(SERVICE_TOKEN);
    });

    it('passes an anonymous request with verified false and no identity at all', async () => {
      const res = await viaNginx(open, { ...FORGED, Origin: SITE });
      expect(res.status).toBe(200);
      const seen = res.body.headers as Record<string, string[]>;
      expect(seen['x-hissuno-project-id']).toEqual([open]);
      expect(seen['x-hissuno-verified']).toEqual(['false']);
      for (const name of ['x-hissuno-user-id', 'x-hissuno-user-metadata', 'x-hissuno-key-epoch']) {
        expect(seen[name]).toBeUndefined();
      }
    });

    const denials = (): [string, () => { id: string; headers: Record<string, string> }][] => [
      ['404 unknown project', () => ({ id: randomUUID(), headers: { Origin: SITE } })],
      ['404 malformed project id', () => ({ id: 'not-a-uuid', headers: { Origin: SITE } })],
      ['403 foreign origin', () => ({ id: guarded, headers: { Origin: 'https://evil.example' } })],
      ['401 token_required', () => ({ id: guarded, headers: { Origin: SITE } })],
      [
        '401 token_malformed',
        () => ({ id: guarded, headers: { Origin: SITE, Authorization: 'Bearer abc.def' } }),
      ],
      [
        '401 token_signature_invalid',
        () => ({
          id: guarded,
          headers: {
            Origin: SITE,
            Authorization: `Bearer ${mintToken('x'.repeat(51), { userId: 'u' })}`,
          },
        }),
      ],
      [
        '401 token_key_rotated',
        () => ({
          id: guarded,
          headers: { Origin: SITE, Authorization: `Bearer ${mintToken(oldKey, { userId: 'u' })}` },
        }),
      ],
      [
        '401 token_claims_invalid',
        () => ({
          id: guarded,
          headers: { Origin: SITE, Authorization: `Bearer ${forge(HS, { userId: 'u' }, key)}` },
        }),
      ],
      [
        '401 token_expired',
        () => ({
          id: guarded,
          headers: {
            Origin: SITE,
            Authorization: `Bearer ${forge(HS, { userId: 'u', exp: nowS() - 3600 }, key)}`,
          },
        }),
      ],
      [
        '401 token_not_yet_valid',
        () => ({
          id: guarded,
          headers: {
            Origin: SITE,
            Authorization: `Bearer ${forge(HS, { userId: 'u', exp: nowS() + 7200, nbf: nowS() + 3600 }, key)}`,
          },
        }),
      ],
      [
        '401 secret_key_exposed',
        () => ({ id: guarded, headers: { Origin: SITE, Authorization: `Bearer ${oldKey}` } }),
      ],
    ];

    it.each(denials())('%s reaches the client as the widget API answers it', async (_what, row) => {
      const { id, headers } = row();
      const widget = await viaWidgetApi(id, headers);
      const res = await viaNginx(id, headers);
      expect(widget.status).toBeGreaterThanOrEqual(400);
      expect({ status: res.status, code: res.body.code }).toEqual({
        status: widget.status,
        code: widget.body.code,
      });
      const { requestId: _a, ...widgetBody } = widget.body;
      const { requestId: _b, ...nginxBody } = res.body;
      expect(nginxBody).toEqual(widgetBody);
      const pick = (h: Record<string, string>) =>
        Object.fromEntries(COMPARED.map((n) => [n, h[n]]));
      expect(pick(res.headers)).toEqual(pick(widget.headers));
      expect(res.headers['content-type']).toMatch(/^application\/json/);
    });

    it('answers a preflight as the widget API does', async () => {
      for (const origin of [SITE, 'https://evil.example']) {
        const headers = { Origin: origin, 'Access-Control-Request-Method': 'POST' };
        const widget = await viaWidgetApi(guarded, headers, 'OPTIONS');
        const res = await viaNginx(guarded, headers, 'OPTIONS');
        expect(res.status).toBe(widget.status);
        const names = [...CORS, 'access-control-allow-methods', 'access-control-allow-headers'];
        const pick = (h: Record<string, string>) => Object.fromEntries(names.map((n) => [n, h[n]]));
        expect(pick(res.headers)).toEqual(pick(widget.headers));
      }
    });

    it('429 rate_limited reaches the client with Retry-After and the CORS headers', async () => {
      const { id } = await createProject(ctx().http(), owner.accessToken);
      let res = await viaNginx(id, { Origin: SITE });
      for (let i = 1; i < LIMIT && res.status === 200; i++)
        res = await viaNginx(id, { Origin: SITE });
      expect(res.status).toBe(200);
      res = await viaNginx(id, { Origin: SITE });
      expect(res.status).toBe(429);
      expect(res.body.code).toBe('rate_limited');
      expect(res.headers['retry-after']).toMatch(/^\d+$/);
      expect(res.headers['access-control-allow-origin']).toBe(SITE);
      // The widget API counts the same budget (same address, same project): it agrees.
      const widget = await viaWidgetApi(id, { Origin: SITE });
      expect(widget.status).toBe(429);
      expect(widget.headers['access-control-allow-origin']).toBe(SITE);
    });

    it('503 service_unavailable reaches the client when the guard cannot read a project', async () => {
      const { id } = await createProject(ctx().http(), owner.accessToken);
      // A stored origin list that no longer parses: the guard fails closed.
      await ctx()
        .app.get(DataSource)
        .query(`UPDATE projects SET allowed_origins = '{"not an origin"}' WHERE id = $1`, [id]);
      const widget = await viaWidgetApi(id, { Origin: SITE });
      const res = await viaNginx(id, { Origin: SITE });
      expect(widget.status).toBe(503);
      expect(res.status).toBe(503);
      expect(res.body.code).toBe('service_unavailable');
      expect(res.headers['retry-after']).toBe(widget.headers['retry-after']);
    });
  },
  { ...INTERNAL_LISTENER, rateLimitWidgetPerMinute: LIMIT },
);
