import { SignJWT } from 'jose';
import jwt from 'jsonwebtoken';
import { randomUUID } from 'node:crypto';
import { bearer, createProject, signUp, type Account } from './helpers/accounts';
import { sqlDuring } from './helpers/sql-spy';
import { describeEachDatabase } from './helpers/test-app';
import {
  b64,
  forge,
  HS,
  mintToken,
  mintTokenWithJose,
  revealSecretKey,
  rotateSecretKey,
  seedToken,
  updateWidgetSecurity,
  nowS,
  widgetUrl,
} from './helpers/widget-client';

const SITE = 'https://shop.example.com';
const CHALLENGE = 'Bearer realm="hissuno-widget"';
const INVALID = 'Bearer realm="hissuno-widget", error="invalid_token"';
/** The cheapest guarded route of the widget API (API.md §6). */
const GUARDED = '/config';

describeEachDatabase('widget guard over HTTP', (ctx) => {
  let owner: Account;
  let projectId: string;
  let key: string;
  const http = () => ctx().http();
  const call = (id: string, headers: Record<string, string> = {}) =>
    http().get(widgetUrl(id, GUARDED)).set(headers);
  const withToken = (token: string, origin = SITE) => ({
    Authorization: `Bearer ${token}`,
    Origin: origin,
  });

  /** A fresh project of the owner with the given settings; returns its id and key. */
  async function project(settings: { requireToken?: boolean; allowedOrigins?: string[] }) {
    const id = (await createProject(http(), owner.accessToken)).id;
    await updateWidgetSecurity(http(), owner.accessToken, id, settings);
    return { id, key: await revealSecretKey(http(), owner.accessToken, id) };
  }

  beforeAll(async () => {
    owner = await signUp(http());
    ({ id: projectId, key } = await project({ requireToken: true, allowedOrigins: [SITE] }));
  });

  describe('tokens minted the way customers mint them', () => {
    it('accepts the seed’s Node snippet (jsonwebtoken) and takes the identity from it', async () => {
      const token = mintToken(key, {
        userId: 'u-42',
        userMetadata: { name: 'Ada', email: 'a@x.io' },
      });
      const res = await call(projectId, withToken(token));
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        projectId,
        requireToken: true,
        identity: {
          verified: true,
          userId: 'u-42',
          userMetadata: { name: 'Ada', email: 'a@x.io' },
        },
      });
      expect(res.headers['access-control-allow-origin']).toBe(SITE);
      expect(res.headers.vary).toMatch(/Origin/);
    });

    it('accepts a token minted by jose', async () => {
      const res = await call(projectId, withToken(await mintTokenWithJose(key, { userId: 'u-j' })));
      expect(res.status).toBe(200);
      expect(res.body.identity).toMatchObject({ verified: true, userId: 'u-j' });
    });

    it('accepts a PyJWT-shaped token: exp as a number, no iat', async () => {
      const token = jwt.sign(
        { userId: 'u-py', userMetadata: { name: 'Guido' }, exp: nowS() + 86_400 },
        key,
        {
          algorithm: 'HS256',
          noTimestamp: true,
        },
      );
      expect(jwt.decode(token)).not.toHaveProperty('iat');
      const res = await call(projectId, withToken(token));
      expect(res.status).toBe(200);
      expect(res.body.identity).toMatchObject({ verified: true, userId: 'u-py' });
    });

    it('accepts a jose token without iat and with a small clock skew', async () => {
      const token = await new SignJWT({ userId: 'u-skew' })
        .setProtectedHeader({ alg: 'HS256' })
        .setNotBefore(nowS() + 30)
        .setExpirationTime(nowS() + 3600)
        .sign(new TextEncoder().encode(key));
      expect((await call(projectId, withToken(token))).status).toBe(200);
    });
  });

  describe('token table (API.md §6): 401 with the code and WWW-Authenticate', () => {
    const foreign = `sk_live_${'A'.repeat(43)}`;
    const rows: [string, string, () => string][] = [
      ['not three parts', 'token_malformed', () => 'abc.def'],
      ['bad JSON', 'token_malformed', () => `${b64('{"alg"')}.${b64('{}')}.${b64('sig')}`],
      [
        'alg none',
        'token_malformed',
        () => `${b64({ alg: 'none' })}.${b64({ userId: 'u', exp: nowS() + 60 })}.`,
      ],
      [
        'alg RS256',
        'token_malformed',
        () => forge({ alg: 'RS256' }, { userId: 'u', exp: nowS() + 60 }, key),
      ],
      [
        'alg HS512',
        'token_malformed',
        () => jwt.sign({ userId: 'u' }, key, { algorithm: 'HS512', expiresIn: '1h' }),
      ],
      [
        'a crit header',
        'token_malformed',
        () => forge({ ...HS, crit: ['b64'] }, { userId: 'u', exp: nowS() + 60 }, key),
      ],
      ['over 8 KiB', 'token_malformed', () => seedToken(key, { pad: 'x'.repeat(8200) })],
      ['signed by another key', 'token_signature_invalid', () => seedToken(foreign)],
      [
        'exp missing',
        'token_claims_invalid',
        () => jwt.sign({ userId: 'u' }, key, { algorithm: 'HS256' }),
      ],
      [
        'exp not a number',
        'token_claims_invalid',
        () => forge(HS, { userId: 'u', exp: 'tomorrow' }, key),
      ],
      [
        'expired 61 s ago',
        'token_expired',
        () => forge(HS, { userId: 'u', exp: nowS() - 61 }, key),
      ],
      [
        'nbf 2 min ahead',
        'token_not_yet_valid',
        () => forge(HS, { userId: 'u', exp: nowS() + 600, nbf: nowS() + 120 }, key),
      ],
      [
        'iat 2 min ahead',
        'token_not_yet_valid',
        () => forge(HS, { userId: 'u', exp: nowS() + 600, iat: nowS() + 120 }, key),
      ],
      [
        'userId missing',
        'token_claims_invalid',
        () => jwt.sign({ userMetadata: {} }, key, { algorithm: 'HS256', expiresIn: '1h' }),
      ],
      ['userId not a string', 'token_claims_invalid', () => seedToken(key, { userId: 7 })],
      ['userId empty', 'token_claims_invalid', () => seedToken(key, { userId: '' })],
      [
        'userId over 255 chars',
        'token_claims_invalid',
        () => seedToken(key, { userId: 'u'.repeat(256) }),
      ],
      [
        'userMetadata not an object',
        'token_claims_invalid',
        () => seedToken(key, { userMetadata: 'Ada' }),
      ],
      [
        'userMetadata with a number',
        'token_claims_invalid',
        () => seedToken(key, { userMetadata: { age: 36 } }),
      ],
      [
        'userMetadata of 51 keys',
        'token_claims_invalid',
        () =>
          seedToken(key, {
            userMetadata: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v'])),
          }),
      ],
      [
        'a userMetadata key over 64 chars',
        'token_claims_invalid',
        () => seedToken(key, { userMetadata: { ['k'.repeat(65)]: 'v' } }),
      ],
      [
        'a userMetadata value over 1024 chars',
        'token_claims_invalid',
        () => seedToken(key, { userMetadata: { bio: 'v'.repeat(1025) } }),
      ],
    ];

    it.each(rows)('%s → %s', async (_case, code, token) => {
      const res = await call(projectId, withToken(token()));
      expect({ status: res.status, code: res.body.code }).toEqual({ status: 401, code });
      expect(res.headers['www-authenticate']).toBe(INVALID);
      // The widget must be able to read why: the origin passed, so CORS headers are there.
      expect(res.headers['access-control-allow-origin']).toBe(SITE);
      expect(res.body.message).toEqual(expect.any(String));
      expect(res.body.requestId).toEqual(expect.any(String));
    });

    it('answers a request without a token with token_required and a realm-only challenge', async () => {
      const res = await call(projectId, { Origin: SITE });
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('token_required');
      expect(res.headers['www-authenticate']).toBe(CHALLENGE);
    });

    it('refuses a non-Bearer Authorization header as token_malformed', async () => {
      const res = await call(projectId, { Origin: SITE, Authorization: 'Basic dXNlcjpwYXNz' });
      expect(res.body.code).toBe('token_malformed');
    });

    it('refuses a request that carries a secret key, never echoing it', async () => {
      const res = await call(projectId, withToken(key));
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('secret_key_exposed');
      expect(res.text).not.toContain(key);
    });
  });

  describe('requireToken off', () => {
    it('lets an anonymous caller in, and still verifies a token that is sent', async () => {
      const open = await project({ requireToken: false });
      const anonymous = await call(open.id, { Origin: 'https://any.example' });
      expect(anonymous.status).toBe(200);
      expect(anonymous.body).toMatchObject({
        requireToken: false,
        identity: { verified: false, userId: null, userMetadata: null },
      });
      const bad = await call(open.id, withToken(seedToken(key)));
      expect(bad.body.code).toBe('token_signature_invalid');
      const good = await call(open.id, withToken(mintToken(open.key, { userId: 'u-9' })));
      expect(good.body.identity).toMatchObject({ verified: true, userId: 'u-9' });
    });
  });

  describe('rotation', () => {
    it('keeps the previous key valid during the grace period, and only the last one', async () => {
      const p = await project({ requireToken: true });
      const first = mintToken(p.key, { userId: 'u-grace' });
      const secondKey = await rotateSecretKey(http(), owner.accessToken, p.id, 3600);
      const second = mintToken(secondKey, { userId: 'u-grace' });
      expect((await call(p.id, withToken(first))).body.identity).toMatchObject({ verified: true });
      expect((await call(p.id, withToken(second))).status).toBe(200);

      // Rotating again ends the running grace at once: epoch 1 and 2 are both retired now.
      const thirdKey = await rotateSecretKey(http(), owner.accessToken, p.id, 3600);
      const stale = await call(p.id, withToken(first));
      expect(stale.body.code).toBe('token_key_rotated');
      expect((await call(p.id, withToken(second))).status).toBe(200); // the new grace
      expect((await call(p.id, withToken(mintToken(thirdKey, { userId: 'u' })))).status).toBe(200);
    });

    it('with grace 0 rejects the old key’s token from the moment the response is sent', async () => {
      const p = await project({ requireToken: true });
      const old = mintToken(p.key, { userId: 'u-r' });
      expect((await call(p.id, withToken(old))).status).toBe(200); // cached and warm
      const newKey = await rotateSecretKey(http(), owner.accessToken, p.id, 0);
      const res = await call(p.id, withToken(old));
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('token_key_rotated');
      expect(res.headers['www-authenticate']).toBe(INVALID);
      const fresh = await call(p.id, withToken(mintToken(newKey, { userId: 'u-r' })));
      expect(fresh.status).toBe(200);
    });

    it('applies a settings change at once', async () => {
      const p = await project({ requireToken: false });
      expect((await call(p.id, { Origin: SITE })).status).toBe(200);
      await updateWidgetSecurity(http(), owner.accessToken, p.id, { requireToken: true });
      expect((await call(p.id, { Origin: SITE })).body.code).toBe('token_required');
      await updateWidgetSecurity(http(), owner.accessToken, p.id, {
        allowedOrigins: ['https://other.example'],
      });
      expect((await call(p.id, { Origin: SITE })).body.code).toBe('origin_not_allowed');
    });
  });

  describe('order of checks: project → origin → token', () => {
    it('answers an unknown project 404 even with a bad origin and a bad token', async () => {
      const res = await call(randomUUID(), withToken('junk', 'https://evil.example'));
      expect(res.status).toBe(404);
      expect(res.body.code).toBe('project_not_found');
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
    });

    it('answers a malformed project id 404', async () => {
      for (const id of ['nope', '123', `${projectId}x`, '%27%20OR%201%3D1']) {
        const res = await call(id, withToken(seedToken(key)));
        expect({ id, status: res.status, code: res.body.code }).toEqual({
          id,
          status: 404,
          code: 'project_not_found',
        });
      }
    });

    it('answers a bad origin 403 before looking at a bad or missing token', async () => {
      for (const headers of [
        withToken('junk', 'https://evil.example'),
        { Origin: 'https://evil.example' },
      ]) {
        const res = await call(projectId, headers);
        expect(res.status).toBe(403);
        expect(res.body.code).toBe('origin_not_allowed');
        expect(res.body.message).toContain('https://evil.example');
        expect(res.body.message).toContain('Settings > Widget > Security');
        expect(res.headers['www-authenticate']).toBeUndefined();
      }
    });

    it('accepts the project id in upper case', async () => {
      const res = await call(projectId.toUpperCase(), withToken(seedToken(key)));
      expect(res.status).toBe(200);
      expect(res.body.projectId).toBe(projectId);
    });
  });

  it('answers a deleted project 404 at once', async () => {
    const p = await project({ requireToken: false });
    expect((await call(p.id)).status).toBe(200);
    const del = await http().delete(`/api/v1/projects/${p.id}`).set(bearer(owner.accessToken));
    expect(del.status).toBe(204);
    const res = await call(p.id, withToken(mintToken(p.key, { userId: 'u' })));
    expect(res.status).toBe(404);
    expect(res.body.code).toBe('project_not_found');
  });

  it('counts every decision by outcome in /metrics', async () => {
    await call(projectId, { Origin: SITE });
    const metrics = await http().get('/metrics');
    expect(metrics.text).toMatch(/widget_guard_decisions_total\{outcome="verified"\} \d+/);
    expect(metrics.text).toMatch(/widget_guard_decisions_total\{outcome="token_required"\} \d+/);
    expect(metrics.text).toMatch(
      /widget_guard_decisions_total\{outcome="origin_not_allowed"\} \d+/,
    );
  });

  it('makes no database query per guarded request in steady state', async () => {
    const open = await project({ requireToken: false });
    const token = mintToken(key, { userId: 'u-hot' });
    await call(projectId, withToken(token)); // warm both entries
    await call(open.id);
    let requests = 0;
    const steady = await sqlDuring(async () => {
      for (let i = 0; i < 50; i++) {
        const results = await Promise.all([
          call(projectId, withToken(token)),
          call(open.id, { Origin: 'https://any.example' }),
          call(projectId, { Origin: 'https://evil.example' }),
          call(projectId, withToken('junk')),
        ]);
        requests += results.length;
        expect(results.map((r) => r.status)).toEqual([200, 200, 403, 401]);
      }
    });
    // The spy does see this app's queries: a project not cached yet costs one load.
    const cold = await sqlDuring(async () => {
      expect((await call(randomUUID())).status).toBe(404);
    });
    expect(cold.filter((q) => /FROM projects p/.test(q))).toHaveLength(1);
    // Background work is not a request's: the re-check (what changed since its cursor, 4 a
    // second) and the statistics flush (every few seconds; it can land in this window).
    const background = /security_version AS version|widget_guard_stats/;
    const perRequest = steady.filter((q) => !background.test(q));
    console.log(
      `[${ctx().db.kind}] ${requests} guarded requests: ${perRequest.length} queries ` +
        `(+${steady.length - perRequest.length} in the background)`,
    );
    expect(perRequest).toEqual([]);
  });
});
