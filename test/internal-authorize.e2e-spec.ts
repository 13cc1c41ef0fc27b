import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { createProject, signUp, type Account } from './helpers/accounts';
import {
  GUARD,
  INTERNAL_LISTENER,
  internalHttp,
  SERVICE_TOKEN,
  withToken,
} from './helpers/internal-api';
import { describeEachDatabase, type TestApp } from './helpers/test-app';
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

const SITE = 'https://shop.example.com';
const AUTHORIZE = `${GUARD}/authorize`;
/** Headers both answers must agree on (API.md §10: status, code and CORS headers). */
const COMPARED = [
  'www-authenticate',
  'access-control-allow-origin',
  'access-control-expose-headers',
  'access-control-allow-methods',
  'access-control-allow-headers',
  'access-control-max-age',
  'vary',
  'retry-after',
];

type Headers = Record<string, string>;

/** The widget API's answer and the gateway decision for the same client request. */
async function both(ctx: TestApp, method: 'GET' | 'OPTIONS', path: string, client: Headers) {
  const widget = await ctx.http()[method === 'GET' ? 'get' : 'options'](path).set(client);
  const gateway = await internalHttp(ctx)
    .get(AUTHORIZE)
    .set({ ...client, ...withToken, 'X-Original-URI': path, 'X-Original-Method': method });
  return { widget, gateway };
}

function expectSameAnswer(
  widget: { status: number; headers: Headers; body: Record<string, unknown> },
  gateway: { status: number; headers: Headers; body: Record<string, unknown>; text: string },
) {
  const pick = (h: Headers) => Object.fromEntries(COMPARED.map((n) => [n, h[n]]));
  if (widget.status < 300) {
    expect(gateway.status).toBe(widget.status === 201 ? 200 : widget.status);
    expect(gateway.text).toBe('');
  } else {
    expect(gateway.status).toBe(widget.status);
    const { requestId: _w, ...widgetBody } = widget.body;
    const { requestId, ...gatewayBody } = gateway.body;
    expect(gatewayBody).toEqual(widgetBody);
    expect(gateway.headers['x-hissuno-status']).toBe(String(widget.status));
    expect(gateway.headers['x-hissuno-code']).toBe(widget.body.code);
    expect(JSON.parse(gateway.headers['x-hissuno-error-body'])).toEqual({
      ...gatewayBody,
      requestId,
    });
  }
  expect(pick(gateway.headers)).toEqual(pick(widget.headers));
}

async function decisions(ctx: TestApp, outcome: string): Promise<number> {
  const text = (await internalHttp(ctx).get('/metrics').set(withToken)).text;
  const line = text
    .split('\n')
    .find((l) => l.startsWith(`widget_guard_decisions_total{outcome="${outcome}"}`));
  return line ? Number(line.split(' ').pop()) : 0;
}

describeEachDatabase(
  'Internal API: the gateway authorize endpoint (API.md §10)',
  (ctx) => {
    let owner: Account;
    let guarded: string; // requireToken, origins [SITE], key epoch 2
    let open: string; // anonymous allowed, every origin
    let oldKey: string;
    let key: string;

    beforeAll(async () => {
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

    const rows = (): [string, () => { id: string; headers: Headers }][] => [
      ['unknown project → 404', () => ({ id: randomUUID(), headers: { Origin: SITE } })],
      ['malformed project id → 404', () => ({ id: 'not-a-uuid', headers: { Origin: SITE } })],
      [
        'foreign origin → 403',
        () => ({ id: guarded, headers: { Origin: 'https://evil.example' } }),
      ],
      ['no origin → 403', () => ({ id: guarded, headers: {} })],
      ['no token → 401 token_required', () => ({ id: guarded, headers: { Origin: SITE } })],
      [
        'not a JWT → 401 token_malformed',
        () => ({ id: guarded, headers: { Origin: SITE, Authorization: 'Bearer abc.def' } }),
      ],
      [
        'a token over 8 KiB → 401 token_malformed',
        () => ({
          id: guarded,
          headers: { Origin: SITE, Authorization: `Bearer ${'a'.repeat(9000)}` },
        }),
      ],
      [
        'alg none → 401 token_malformed',
        () => ({
          id: guarded,
          headers: {
            Origin: SITE,
            Authorization: `Bearer ${forge({ alg: 'none' }, { userId: 'u', exp: nowS() + 60 }, key)
              .split('.')
              .slice(0, 2)
              .join('.')}.`,
          },
        }),
      ],
      [
        'foreign key → 401 token_signature_invalid',
        () => ({
          id: guarded,
          headers: {
            Origin: SITE,
            Authorization: `Bearer ${mintToken('x'.repeat(51), { userId: 'u' })}`,
          },
        }),
      ],
      [
        'retired key → 401 token_key_rotated',
        () => ({
          id: guarded,
          headers: { Origin: SITE, Authorization: `Bearer ${mintToken(oldKey, { userId: 'u' })}` },
        }),
      ],
      [
        'no exp → 401 token_claims_invalid',
        () => ({
          id: guarded,
          headers: { Origin: SITE, Authorization: `Bearer ${forge(HS, { userId: 'u' }, key)}` },
        }),
      ],
      [
        'expired → 401 token_expired',
        () => ({
          id: guarded,
          headers: {
            Origin: SITE,
            Authorization: `Bearer ${forge(HS, { userId: 'u', exp: nowS() - 3600 }, key)}`,
          },
        }),
      ],
      [
        'nbf in the future → 401 token_not_yet_valid',
        () => ({
          id: guarded,
          headers: {
            Origin: SITE,
            Authorization: `Bearer ${forge(HS, { userId: 'u', exp: nowS() + 7200, nbf: nowS() + 3600 }, key)}`,
          },
        }),
      ],
      [
        'a secret key as the token → 401 secret_key_exposed',
        () => ({ id: guarded, headers: { Origin: SITE, Authorization: `Bearer ${oldKey}` } }),
      ],
      [
        'valid token → 200 verified',
        () => ({
          id: guarded,
          headers: { Origin: SITE, Authorization: `Bearer ${mintToken(key, { userId: 'u-1' })}` },
        }),
      ],
      ['anonymous where allowed → 200', () => ({ id: open, headers: {} })],
      ['anonymous from any origin → 200', () => ({ id: open, headers: { Origin: 'null' } })],
    ];

    it.each(rows())('%s: the same answer as the widget API', async (_what, row) => {
      const { id, headers } = row();
      const { widget, gateway } = await both(ctx(), 'GET', widgetUrl(id, '/config'), headers);
      expectSameAnswer(widget, gateway);
    });

    it.each([
      ['an allowed preflight → 204', () => guarded, SITE],
      ['a refused preflight → 403', () => guarded, 'https://evil.example'],
      ['a preflight of an unknown project → 404', () => randomUUID(), SITE],
    ])('%s, as the widget API answers it', async (_what, id, origin) => {
      const headers = { Origin: origin, 'Access-Control-Request-Method': 'POST' };
      const { widget, gateway } = await both(
        ctx(),
        'OPTIONS',
        widgetUrl(id(), '/sessions'),
        headers,
      );
      expectSameAnswer(widget, gateway);
    });

    it('an allowed request carries the verified identity headers', async () => {
      const token = mintToken(key, {
        userId: 'Zoë 李/1',
        userMetadata: { plan: 'pro', name: 'Zoë' },
      });
      const res = await internalHttp(ctx())
        .post(AUTHORIZE)
        .set({
          ...withToken,
          'X-Original-URI': widgetUrl(guarded, '/sessions'),
          'X-Original-Method': 'POST',
          Origin: SITE,
          Authorization: `Bearer ${token}`,
        });
      expect(res.status).toBe(200);
      expect(res.headers).toMatchObject({
        'x-hissuno-project-id': guarded,
        'x-hissuno-verified': 'true',
        'x-hissuno-user-id': encodeURIComponent('Zoë 李/1'),
        'x-hissuno-key-epoch': '2',
        'access-control-allow-origin': SITE,
      });
      expect(decodeURIComponent(res.headers['x-hissuno-user-id'])).toBe('Zoë 李/1');
      const metadata = Buffer.from(res.headers['x-hissuno-user-metadata'], 'base64url');
      expect(JSON.parse(metadata.toString('utf8'))).toEqual({ plan: 'pro', name: 'Zoë' });

      const anonymous = await internalHttp(ctx())
        .get(AUTHORIZE)
        .set({ ...withToken, 'X-Hissuno-Project-Id': open });
      expect(anonymous.status).toBe(200);
      expect(anonymous.headers['x-hissuno-verified']).toBe('false');
      for (const name of ['x-hissuno-user-id', 'x-hissuno-user-metadata', 'x-hissuno-key-epoch']) {
        expect(anonymous.headers[name]).toBeUndefined();
      }
    });

    it('finds the project in X-Hissuno-Project-Id, X-Original-URI, X-Forwarded-Uri or the path', async () => {
      const token = `Bearer ${mintToken(key, { userId: 'u-2' })}`;
      const base = { ...withToken, Origin: SITE, Authorization: token };
      const asked = [
        internalHttp(ctx())
          .get(AUTHORIZE)
          .set({ ...base, 'X-Hissuno-Project-Id': guarded }),
        internalHttp(ctx())
          .get(AUTHORIZE)
          .set({
            ...base,
            'X-Forwarded-Uri': widgetUrl(guarded, '/config'),
            'X-Forwarded-Method': 'GET',
          }),
        internalHttp(ctx())
          .get(`${AUTHORIZE}${widgetUrl(guarded, '/config')}?x=1`)
          .set(base),
      ];
      for (const res of await Promise.all(asked)) {
        expect(res.status).toBe(200);
        expect(res.headers['x-hissuno-project-id']).toBe(guarded);
      }
    });

    it.each([
      ['no project anywhere', {}],
      ['a URI without /widget/', { 'X-Original-URI': '/api/v1/projects' }],
      ['a malformed percent-encoding', { 'X-Original-URI': '/api/v1/widget/%E0%A4%A/config' }],
      ['a malformed id header', { 'X-Hissuno-Project-Id': `${randomUUID()}x` }],
    ])('%s → 404 project_not_found', async (_what, headers) => {
      const res = await internalHttp(ctx())
        .get(AUTHORIZE)
        .set({ ...withToken, ...headers });
      expect(res.status).toBe(404);
      expect(res.body.code).toBe('project_not_found');
      expect(res.headers['x-hissuno-code']).toBe('project_not_found');
    });

    it('answers an oversized header as the widget API does (431)', async () => {
      const headers = { Origin: SITE, Authorization: `Bearer ${'a'.repeat(20_000)}` };
      const { widget, gateway } = await both(ctx(), 'GET', widgetUrl(guarded, '/config'), headers);
      expect(widget.status).toBe(431);
      expect(gateway.status).toBe(431);
      expect(gateway.headers['x-hissuno-status']).toBe('431');
    });

    it('needs the service token in its own header: Authorization is the client’s', async () => {
      const res = await internalHttp(ctx())
        .get(AUTHORIZE)
        .set({ Authorization: `Bearer ${SERVICE_TOKEN}`, 'X-Hissuno-Project-Id': open });
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('unauthorized');
      expect(res.headers['x-hissuno-status']).toBeUndefined();
    });

    it('counts its decisions in the metrics like widget requests', async () => {
      const before = await decisions(ctx(), 'token_expired');
      const expired = forge(HS, { userId: 'u', exp: nowS() - 3600 }, key);
      await internalHttp(ctx())
        .get(AUTHORIZE)
        .set({
          ...withToken,
          'X-Hissuno-Project-Id': guarded,
          Origin: SITE,
          Authorization: `Bearer ${expired}`,
        });
      expect(await decisions(ctx(), 'token_expired')).toBe(before + 1);
    });

    it('fails closed like the widget API: a state that cannot be read → 503', async () => {
      const { id } = await createProject(ctx().http(), owner.accessToken);
      // A stored origin list that no longer parses: the guard cannot load the project.
      await ctx()
        .app.get(DataSource)
        .query(`UPDATE projects SET allowed_origins = '{"not an origin"}' WHERE id = $1`, [id]);
      const { widget, gateway } = await both(ctx(), 'GET', widgetUrl(id, '/config'), {
        Origin: SITE,
      });
      expect(widget.status).toBe(503);
      expectSameAnswer(widget, gateway);
    });
  },
  INTERNAL_LISTENER,
);

describeEachDatabase(
  'Internal API: authorize under the widget rate limit (API.md §10)',
  (ctx) => {
    it('counts per last X-Forwarded-For hop and project, and answers 429 like the widget API', async () => {
      const owner = await signUp(ctx().http());
      const { id } = await createProject(ctx().http(), owner.accessToken);
      const ask = (forwardedFor: string) =>
        internalHttp(ctx())
          .get(AUTHORIZE)
          .set({
            ...withToken,
            'X-Original-URI': widgetUrl(id, '/config'),
            'X-Forwarded-For': forwardedFor,
            Origin: SITE,
          });
      for (let i = 0; i < 3; i++) {
        // A forged first hop changes nothing: the gateway's own hop is the last one.
        expect((await ask(`10.0.0.${i}, 198.51.100.7`)).status).toBe(200);
      }
      const limited = await ask('10.9.9.9, 198.51.100.7');
      expect(limited.status).toBe(429);
      expect(limited.body.code).toBe('rate_limited');
      expect(limited.headers).toMatchObject({
        'retry-after': expect.stringMatching(/^\d+$/),
        'access-control-allow-origin': SITE,
        'x-hissuno-status': '429',
        'x-hissuno-code': 'rate_limited',
      });
      expect((await ask('198.51.100.8')).status).toBe(200);
    });

    it('counts every request per address before any lookup: a flood of unknown ids gets 429', async () => {
      const ask = () =>
        internalHttp(ctx())
          .get(AUTHORIZE)
          .set({
            ...withToken,
            'X-Original-URI': widgetUrl(randomUUID(), '/config'),
            'X-Forwarded-For': '203.0.113.50',
          });
      const statuses: number[] = [];
      for (let i = 0; i < 8; i++) statuses.push((await ask()).status);
      expect(statuses).toEqual([404, 404, 404, 404, 404, 404, 429, 429]);
    });
  },
  { ...INTERNAL_LISTENER, rateLimitWidgetPerMinute: 3, rateLimitWidgetAnyPerMinute: 6 },
);
