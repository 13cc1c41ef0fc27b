import fc from 'fast-check';
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { bearer, createProject, signUp, type Account } from './helpers/accounts';
import {
  expectContract,
  headerValue,
  hostileJson,
  nastyString,
  send,
  TOKEN_CODES,
} from './helpers/hostile';
import { describeEachDatabase } from './helpers/test-app';
import {
  mintToken,
  revealSecretKey,
  updateWidgetSecurity,
  widgetUrl,
} from './helpers/widget-client';

const RUNS = 150;
const SITE = 'https://shop.example.com';
const WILDCARD = '*.example.org';
const ATTACKER_KEY = 'attacker-chosen-key';
const nowS = () => Math.floor(Date.now() / 1000);
const b64url = (value: unknown) =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/**
 * What the guard may allow for project A (allowedOrigins [SITE, *.example.org]), written
 * independently of origin-policy.ts: scheme and host case-insensitive, the default port
 * optional, any subdomain depth of example.org but never its apex, no trailing dot, path,
 * query, fragment or user info. A header is read as the serialized origin a browser sends:
 * ":0443" is no spelling of a browser's, so it matches nothing (API.md §3).
 */
const ALLOWED_ORIGIN = [
  /^https:\/\/shop\.example\.com(?::443)?$/i,
  /^https:\/\/(?:[a-z0-9_-]+\.)+example\.org(?::443)?$/i,
];

describeEachDatabase('hostile input on the widget API', (ctx) => {
  let owner: Account;
  let guarded: string;
  let open: string;
  let key: string;
  let trap: Server;
  let trapUrl: string;
  let trapHits = 0;

  beforeAll(async () => {
    owner = await signUp(ctx().http());
    guarded = (await createProject(ctx().http(), owner.accessToken)).id;
    await updateWidgetSecurity(ctx().http(), owner.accessToken, guarded, {
      requireToken: true,
      allowedOrigins: [SITE, WILDCARD],
    });
    key = await revealSecretKey(ctx().http(), owner.accessToken, guarded);
    open = (await createProject(ctx().http(), owner.accessToken)).id;
    // Where jku/x5u headers point: the guard must never fetch a key from anywhere.
    trap = createServer((_req, res) => {
      trapHits += 1;
      res.end('{}');
    });
    await new Promise<void>((resolve) => trap.listen(0, '127.0.0.1', resolve));
    trapUrl = `http://127.0.0.1:${(trap.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => trap?.close(resolve));
  });

  const config = (projectId: string, headers: Record<string, string>) =>
    send(ctx(), { method: 'GET', url: widgetUrl(projectId, '/config'), headers });

  it('allows a token only when it is a genuine HS256 token of the project, whatever its header says', async () => {
    const header = fc.record(
      {
        alg: fc.oneof(
          fc.constantFrom('HS256', 'HS256', 'none', 'None', 'NONE', 'RS256', 'ES256', 'PS256'),
          fc.constantFrom('HS384', 'HS512', 'hs256', 'HS256 ', '', 'EdDSA'),
          fc.constant(null),
          fc.integer(),
          nastyString,
        ),
        typ: fc.constantFrom('JWT', 'jwt', 'at+jwt', ''),
        kid: fc.oneof(
          nastyString,
          fc.constantFrom('../../../../dev/null', "1' OR '1'='1", '0', key),
        ),
        jku: fc.constant('trap:/jwks.json'),
        x5u: fc.constant('trap:/cert.pem'),
        jwk: fc.constant({ kty: 'oct', k: b64url(ATTACKER_KEY) }),
        crit: fc.constantFrom(['exp'], [], ['b64']),
        b64: fc.boolean(),
      },
      { requiredKeys: [] },
    );
    const claim = (good: number) =>
      fc.oneof(
        fc.constant(good),
        fc.integer(),
        fc.double(),
        fc.constantFrom('9999999999', 1e308, -1, null, [], {}),
      );
    const payload = fc.record(
      {
        userId: fc.oneof(
          fc.string({ minLength: 1, maxLength: 20 }),
          nastyString,
          fc.integer(),
          fc.constant(null),
        ),
        exp: claim(nowS() + 3600),
        nbf: claim(nowS() - 10),
        iat: claim(nowS() - 10),
        userMetadata: fc.oneof(
          fc.dictionary(fc.string({ maxLength: 10 }), fc.string({ maxLength: 10 })),
          hostileJson,
        ),
        extra: hostileJson,
      },
      { requiredKeys: [] },
    );
    const signing = fc.record({
      key: fc.constantFrom('right', 'right', 'wrong', 'empty', 'attacker'),
      digest: fc.constantFrom('sha256', 'sha256', 'sha512', 'sha384'),
      signature: fc.constantFrom('keep', 'keep', 'drop', 'flip', 'truncate', 'standard-base64'),
    });

    // A genuine header may still carry kid/jku/x5u/jwk: they must change nothing.
    const genuineHeader = fc.record(
      {
        alg: fc.constant('HS256'),
        typ: fc.constant('JWT'),
        kid: fc.constantFrom('../../../../dev/null', "1' OR '1'='1", '0'),
        jku: fc.constant('trap:/jwks.json'),
        x5u: fc.constant('trap:/cert.pem'),
        jwk: fc.constant({ kty: 'oct', k: b64url(ATTACKER_KEY) }),
      },
      { requiredKeys: ['alg'] },
    );
    const genuinePayload = fc.record({
      userId: fc.string({ minLength: 1, maxLength: 20 }),
      exp: fc.constant(nowS() + 3600),
    });
    const outcomes = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(
        // Half the runs start from a genuine token and vary one part, so both sides are reached.
        fc.oneof(header, genuineHeader),
        fc.oneof(payload, genuinePayload),
        fc.oneof(signing, fc.constant({ key: 'right', digest: 'sha256', signature: 'keep' })),
        async (h, p, s) => {
          const headerJson = JSON.parse(JSON.stringify(h).replaceAll('trap:', trapUrl));
          const input = `${b64url(headerJson)}.${b64url(p)}`;
          const secret = {
            right: key,
            wrong: `${key.slice(0, -1)}x`,
            empty: '',
            attacker: ATTACKER_KEY,
          }[s.key]!;
          let signature = createHmac(s.digest, secret).update(input).digest('base64url');
          if (s.signature === 'drop') signature = '';
          if (s.signature === 'flip')
            signature = `${signature[0] === 'A' ? 'B' : 'A'}${signature.slice(1)}`;
          if (s.signature === 'truncate') signature = signature.slice(0, -2);
          if (s.signature === 'standard-base64')
            signature = Buffer.from(signature, 'base64url').toString('base64');
          const token = `${input}.${signature}`;
          const reply = await config(guarded, { origin: SITE, authorization: `Bearer ${token}` });
          const what = `header ${JSON.stringify(headerJson)} payload ${JSON.stringify(p)} ${JSON.stringify(s)}`;
          expectContract(reply, what);

          const genuine =
            h.alg === 'HS256' &&
            s.key === 'right' &&
            s.digest === 'sha256' &&
            (s.signature === 'keep' ||
              (s.signature === 'standard-base64' && !/[+/=]/.test(signature))) &&
            !('crit' in h);
          outcomes.set(
            reply.body?.code ?? 'allowed',
            (outcomes.get(reply.body?.code ?? 'allowed') ?? 0) + 1,
          );
          if (reply.status === 200) {
            if (!genuine) throw new Error(`allowed a forged token: ${what}`);
            // The identity comes from the verified claims only.
            expect(reply.body.identity).toMatchObject({ verified: true, userId: p.userId });
            return;
          }
          expect({ what, status: reply.status }).toEqual({ what, status: 401 });
          expect(TOKEN_CODES).toContain(reply.body.code);
          // Algorithm pinned to HS256: anything else is malformed, before any key is tried.
          if (h.alg !== 'HS256' || 'crit' in h) expect(reply.body.code).toBe('token_malformed');
          // A well-formed HS256 token under a foreign key: a bad signature, whatever it claims
          // (unless it is over 8 KiB, which is malformed before any key is tried).
          if (
            token.length <= 8192 &&
            h.alg === 'HS256' &&
            !('crit' in h) &&
            s.key !== 'right' &&
            s.digest === 'sha256' &&
            s.signature === 'keep'
          ) {
            expect(reply.body.code).toBe('token_signature_invalid');
          }
        },
      ),
      { numRuns: RUNS * 2 },
    );
    expect(trapHits).toBe(0);
    // The run reached both sides: genuine tokens allowed, forgeries refused for many reasons.
    expect(outcomes.get('allowed')).toBeGreaterThan(0);
    expect(outcomes.size).toBeGreaterThanOrEqual(4);
    console.log(`token fuzz outcomes: ${JSON.stringify(Object.fromEntries(outcomes))}`);
  });

  it('refuses any other Authorization header with a token error, never a 5xx', async () => {
    const authorization = fc.oneof(
      headerValue(),
      headerValue().map((v) => `Bearer ${v}`),
      headerValue().map((v) => `bearer ${v}`),
      headerValue().map((v) => `Basic ${v}`),
      fc.constantFrom(
        'Bearer',
        'Bearer ',
        'Bearer  ',
        'Bearer a b',
        'Bearer ...',
        'Bearer e30.e30.',
        `Bearer ${'a'.repeat(9000)}`,
      ),
    );
    await fc.assert(
      fc.asyncProperty(authorization, headerValue(), async (value, requestId) => {
        const reply = await config(guarded, {
          origin: SITE,
          authorization: value,
          'x-request-id': requestId,
        });
        expectContract(reply, `Authorization ${JSON.stringify(value)}`);
        if (value.trim() === '') {
          expect(reply.body.code).toBe('token_required');
        } else {
          expect({ value, status: reply.status }).toEqual({ value, status: 401 });
          expect(TOKEN_CODES).toContain(reply.body.code);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('allows exactly the listed origins, whatever the Origin header holds', async () => {
    const seen = new Set<number>();
    const token = mintToken(key, { userId: 'origin-fuzz' });
    const origin = fc.oneof(
      fc
        .tuple(
          fc.constantFrom(
            'https://',
            'http://',
            'HTTPS://',
            'hTtPs://',
            'https:/',
            'https:',
            'ftp://',
            'javascript://',
            '',
          ),
          fc.constantFrom(
            'shop.example.com',
            'SHOP.Example.COM',
            'shop.example.com.',
            'xn--shp-ted.example.com', // shоp with a Cyrillic о, as a browser sends it
            'shop.example.co',
            'shop.example.com.evil.io',
            'evilshop.example.com',
            'a.example.org',
            'A.B.example.org',
            'example.org',
            'evilexample.org',
            'example.org.evil.io',
            '.example.org',
            'a..example.org',
            '-.example.org',
            'xn--80ak6aa92e.example.org',
            '127.0.0.1',
            '[::1]',
            '',
          ),
          fc.constantFrom('', '', ':443', ':0443', ':80', ':8443', ':99999', ':', ':-1'),
          fc.constantFrom('', '', '/', '/path', '?q=1', '#f', '@evil.io', ' ', '\t', '%00', '\\'),
        )
        .map((parts) => parts.join('')),
      headerValue(80),
      fc.constantFrom('null', 'NULL', '*', SITE.repeat(10)),
      fc.constantFrom(
        SITE,
        'HTTPS://Shop.Example.Com:443',
        'https://a.b.example.org',
        'https://x_y.example.org:0443',
      ),
    );
    await fc.assert(
      fc.asyncProperty(origin, async (value) => {
        const reply = await config(guarded, { origin: value, authorization: `Bearer ${token}` });
        expectContract(reply, `Origin ${JSON.stringify(value)}`);
        const allowed = ALLOWED_ORIGIN.some((rule) => rule.test(value));
        seen.add(reply.status);
        expect({ origin: value, status: reply.status }).toEqual({
          origin: value,
          status: allowed ? 200 : 403,
        });
        // Readable by the widget either way (API.md §6): the origin echoed, when it can be.
        if (/^[\x21-\x7e]{1,300}$/.test(value))
          expect(reply.headers['access-control-allow-origin']).toBe(value);
      }),
      { numRuns: RUNS * 2 },
    );
    expect([...seen].sort()).toEqual([200, 403]);
  });

  it('saves only origins it can match, normalized and idempotent, and never a 5xx', async () => {
    const seen = new Set<number>();
    const entry = fc.oneof(
      fc.constantFrom(
        'https://shop.example.com',
        'https://SHOP.example.com:443/',
        'http://localhost:3000',
        '*.example.org',
        'https://*.example.org',
        'http://*.example.org:8080',
        'https://shоp.example.com', // Cyrillic о
        'https://ｓhop.example.com', // fullwidth s
        'https://sh\u200bop.example.com', // zero-width space
        'https://shop\u202e.example.com', // right-to-left override
        'https://xn--shp-ted.example.com',
        'https://例え.jp',
        'https://münchen.de',
        '*.com',
        '*.co.uk',
        '*.github.io',
        '*',
        'null',
        'https://a.com/path',
        'https://user@a.com',
        'https://a.com?x',
        'https://a.com#x',
        'https://a.com.',
        'https://[::1]:8080',
        'https://127.0.0.1',
        '*.127.0.0.1',
        'https://a\u0000.com',
        `https://${'a'.repeat(250)}.com`,
        'javascript:alert(1)',
        'https://*.*.example.org',
        'https://a*.example.org',
      ),
      nastyString,
      fc.webUrl().map((url) => new URL(url).origin),
      fc.oneof(fc.integer(), fc.constant(null), fc.constant({}), fc.constant([])),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(entry, { maxLength: 6 }), async (list) => {
        const patch = (allowedOrigins: unknown[]) =>
          send(ctx(), {
            method: 'PATCH',
            url: `/api/v1/projects/${open}/widget/security`,
            headers: { ...bearer(owner.accessToken), 'content-type': 'application/json' },
            payload: JSON.stringify({ allowedOrigins }),
          });
        const reply = await patch(list);
        seen.add(reply.status);
        expectContract(reply, `allowedOrigins ${JSON.stringify(list)}`);
        if (reply.status === 400) {
          expect(reply.body.code).toBe('validation_failed');
          for (const error of reply.body.errors) {
            const index = Number(/^allowedOrigins\[(\d+)\]$/.exec(error.field)?.[1]);
            expect(index).toBeLessThan(list.length);
            expect(error.message).not.toBe('');
          }
          return;
        }
        expect(reply.status).toBe(200);
        const saved: string[] = reply.body.allowedOrigins;
        expect(new Set(saved).size).toBe(saved.length);
        for (const origin of saved) {
          expect(origin).toMatch(/^[\x21-\x7e]{1,253}$/); // ASCII: punycode, lower case
          expect(origin).toBe(origin.toLowerCase());
          expect(origin).not.toMatch(/:443$|^http:.*:80$|\/$/);
          // What can be saved is exactly what can be matched.
          if (!origin.includes('*')) {
            const matched = await config(open, { origin });
            expect({ origin, status: matched.status }).toEqual({ origin, status: 200 });
          }
        }
        // Normalizing twice changes nothing.
        const again = await patch(saved);
        expect(again.body.allowedOrigins).toEqual(saved);
      }),
      { numRuns: RUNS },
    );
    expect([...seen].sort()).toEqual([200, 400]);
  });

  it('never lets a look-alike through an allowed origin', async () => {
    await updateWidgetSecurity(ctx().http(), owner.accessToken, open, { allowedOrigins: [SITE] });
    for (const lookAlike of [
      'https://xn--shp-ted.example.com', // shоp, Cyrillic о
      'https://xn--hop-ehd.example.com',
      'https://shop.example.com.',
      'https://shop.example.com%2eevil.io',
      'https://shop.exampIe.com', // capital I for l
      'https://shop.example.com@evil.io',
    ]) {
      const reply = await config(open, { origin: lookAlike });
      expect({ lookAlike, status: reply.status }).toEqual({ lookAlike, status: 403 });
    }
    // The Cyrillic look-alike, once saved, is stored as punycode and matches only itself.
    const res = await ctx()
      .http()
      .patch(`/api/v1/projects/${open}/widget/security`)
      .set(bearer(owner.accessToken))
      .send({ allowedOrigins: ['https://shоp.example.com'] });
    expect(res.body.allowedOrigins).toEqual(['https://xn--shp-ted.example.com']);
    expect((await config(open, { origin: SITE })).status).toBe(403);
  });
});
