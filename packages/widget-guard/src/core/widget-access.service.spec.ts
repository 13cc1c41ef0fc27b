import { createHash, createHmac } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { SecurityCache } from './security-cache';
import type { WidgetDecision, WidgetDenied } from './widget-access.decision';
import { DEFAULT_WIDGET_CORS } from './widget-cors';
import { WidgetAccessService, type WidgetPreflightDecision } from './widget-access.service';
import { WidgetSecurityState, WidgetSecurityStateSource } from './widget-security-state';

const NOW_S = 1_750_000_000;
const NOW = NOW_S * 1000;
const sk = (seed: string) => `sk_live_${createHash('sha256').update(seed).digest('base64url')}`;
const K = { current: sk('3'), previous: sk('2'), retired: sk('1'), foreign: sk('x') };
const APP = 'https://app.example.com';
const PROJECT = '11111111-1111-4111-8111-111111111111';
const LOCKED = '22222222-2222-4222-8222-222222222222';
const CHALLENGE = 'Bearer realm="hissuno-widget"';
const INVALID = 'Bearer realm="hissuno-widget", error="invalid_token"';

function state(
  projectId: string,
  overrides: Partial<WidgetSecurityState> = {},
): WidgetSecurityState {
  return {
    projectId,
    version: 1,
    keyEpoch: 3,
    requireToken: false,
    originPolicy: { allowsAll: true, matches: () => true },
    keys: {
      current: { epoch: 3, secret: K.current },
      previous: { epoch: 2, secret: K.previous, expiresAtMs: NOW + 60_000 },
      retired: [{ epoch: 1, secret: K.retired }],
    },
    maxTokenLifetimeSeconds: null,
    ...overrides,
  };
}

class MemorySource extends WidgetSecurityStateSource {
  readonly store = new Map<string, WidgetSecurityState>();
  loads = 0;
  failing = false;
  override canonicalId(id: string): string | null {
    return /^[0-9a-f-]{36}$/i.test(id) ? id.toLowerCase() : null;
  }
  async load(id: string): Promise<WidgetSecurityState | null> {
    this.loads += 1;
    if (this.failing) throw new Error('down');
    return this.store.get(id) ?? null;
  }
  async versions(): Promise<Map<string, number>> {
    return new Map();
  }
}

const b64 = (part: unknown) =>
  Buffer.from(typeof part === 'string' ? part : JSON.stringify(part)).toString('base64url');
function forge(header: unknown, payload: unknown, key = K.current): string {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${createHmac('sha256', key).update(input).digest('base64url')}`;
}
/** As the seed's Node snippet mints them, with iat pinned to the fake clock. */
const node = (claims: object = {}, key = K.current) =>
  jwt.sign({ userId: 'u1', iat: NOW_S - 10, ...claims }, key, {
    algorithm: 'HS256',
    expiresIn: '24h',
  });
const raw = (payload: object, key = K.current) => forge({ alg: 'HS256', typ: 'JWT' }, payload, key);
const bearer = (token: string) => `Bearer ${token}`;

describe(WidgetAccessService.name, () => {
  let source: MemorySource;
  let service: WidgetAccessService;

  beforeEach(() => {
    source = new MemorySource();
    source.store.set(PROJECT, state(PROJECT));
    source.store.set(
      LOCKED,
      state(LOCKED, {
        requireToken: true,
        originPolicy: { allowsAll: false, matches: (origin) => origin === APP },
      }),
    );
    service = new WidgetAccessService(source, new SecurityCache(source), DEFAULT_WIDGET_CORS);
  });

  const decide = (authorization?: string, origin: string | null = APP, projectId = LOCKED) =>
    service.decide({ projectId, origin, authorization, nowMs: NOW });
  const denied = (decision: WidgetDecision | WidgetPreflightDecision): WidgetDenied => {
    if (decision.allowed) throw new Error('expected a denial');
    return decision;
  };

  describe('token table (API.md §6)', () => {
    const long = node({ pad: 'x'.repeat(9000) });
    it.each<[string, string, string]>([
      ['not three parts', bearer('abc.def'), 'token_malformed'],
      ['not base64url JSON', bearer('e30.!!!.sig'), 'token_malformed'],
      ['bad JSON header', bearer(forge('{"alg":', { userId: 'u1' })), 'token_malformed'],
      [
        'alg none',
        bearer(`${b64({ alg: 'none' })}.${b64({ userId: 'u1', exp: NOW_S + 60 })}.`),
        'token_malformed',
      ],
      [
        'alg RS256',
        bearer(forge({ alg: 'RS256' }, { userId: 'u1', exp: NOW_S + 60 })),
        'token_malformed',
      ],
      [
        'alg HS512',
        bearer(jwt.sign({ userId: 'u1' }, K.current, { algorithm: 'HS512' })),
        'token_malformed',
      ],
      [
        'a crit header',
        bearer(forge({ alg: 'HS256', crit: ['x'], x: 1 }, { userId: 'u1', exp: NOW_S + 60 })),
        'token_malformed',
      ],
      ['over 8 KiB', bearer(long), 'token_malformed'],
      ['a non-Bearer scheme', `Basic ${Buffer.from('a:b').toString('base64')}`, 'token_malformed'],
      ['Bearer without a token', 'Bearer', 'token_malformed'],
      ['two tokens', `Bearer ${node()} ${node()}`, 'token_malformed'],
      ["another project's key", bearer(node({}, K.foreign)), 'token_signature_invalid'],
      [
        'a tampered payload',
        bearer(node().replace(/\.[^.]+\./, `.${b64({ userId: 'evil', exp: NOW_S + 60 })}.`)),
        'token_signature_invalid',
      ],
      ['a retired key', bearer(node({}, K.retired)), 'token_key_rotated'],
      ['exp missing', bearer(raw({ userId: 'u1' })), 'token_claims_invalid'],
      ['exp a string', bearer(raw({ userId: 'u1', exp: `${NOW_S + 60}` })), 'token_claims_invalid'],
      ['exp 61 s ago', bearer(raw({ userId: 'u1', exp: NOW_S - 61 })), 'token_expired'],
      [
        'nbf 61 s ahead',
        bearer(raw({ userId: 'u1', exp: NOW_S + 600, nbf: NOW_S + 61 })),
        'token_not_yet_valid',
      ],
      [
        'iat 61 s ahead',
        bearer(raw({ userId: 'u1', exp: NOW_S + 600, iat: NOW_S + 61 })),
        'token_not_yet_valid',
      ],
      ['userId missing', bearer(raw({ exp: NOW_S + 60 })), 'token_claims_invalid'],
      ['userId a number', bearer(node({ userId: 42 })), 'token_claims_invalid'],
      ['userId empty', bearer(node({ userId: '' })), 'token_claims_invalid'],
      ['userId of 256 chars', bearer(node({ userId: 'u'.repeat(256) })), 'token_claims_invalid'],
      ['userMetadata an array', bearer(node({ userMetadata: ['a'] })), 'token_claims_invalid'],
      [
        'userMetadata a number value',
        bearer(node({ userMetadata: { age: 3 } })),
        'token_claims_invalid',
      ],
      [
        'userMetadata of 51 keys',
        bearer(
          node({
            userMetadata: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v'])),
          }),
        ),
        'token_claims_invalid',
      ],
      [
        'a userMetadata key of 65 chars',
        bearer(node({ userMetadata: { ['k'.repeat(65)]: 'v' } })),
        'token_claims_invalid',
      ],
      [
        'a userMetadata value of 1025 chars',
        bearer(node({ userMetadata: { name: 'v'.repeat(1025) } })),
        'token_claims_invalid',
      ],
      ['the current secret key itself', bearer(K.current), 'secret_key_exposed'],
      ['a secret key without Bearer', K.foreign, 'secret_key_exposed'],
    ])('refuses %s: 401 %s', async (_case, authorization, code) => {
      const decision = denied(await decide(authorization));
      expect(decision).toMatchObject({ status: 401, code, check: 'token', projectId: LOCKED });
      expect(decision.headers['WWW-Authenticate']).toBe(INVALID);
      expect(decision.headers['Access-Control-Allow-Origin']).toBe(APP);
      expect(decision.message).not.toMatch(/sk_live_/);
    });

    it.each<[string, string, number]>([
      ["the seed's Node token", node({ userMetadata: { name: 'Ada', email: 'a@x.io' } }), 3],
      ['a PyJWT-shaped token (no iat)', raw({ userId: 'u1', exp: NOW_S + 86_400 }), 3],
      ['exp 59 s ago (within the skew)', raw({ userId: 'u1', exp: NOW_S - 59 }), 3],
      [
        'iat 59 s ahead (within the skew)',
        raw({ userId: 'u1', exp: NOW_S + 600, iat: NOW_S + 59 }),
        3,
      ],
      ['the previous key within its grace', node({}, K.previous), 2],
      ['unknown claims', node({ role: 'admin', nested: { a: 1 } }), 3],
    ])('accepts %s', async (_case, token, keyEpoch) => {
      const decision = await decide(bearer(token));
      expect(decision).toMatchObject({
        allowed: true,
        outcome: 'verified',
        keyEpoch,
        identity: { verified: true, userId: 'u1', keyEpoch },
      });
    });

    it('takes the identity from the claims only', async () => {
      const decision = await decide(
        bearer(node({ userId: 'alice', userMetadata: { plan: 'pro' } })),
      );
      expect(decision).toMatchObject({
        identity: { verified: true, userId: 'alice', userMetadata: { plan: 'pro' }, keyEpoch: 3 },
      });
    });

    it('answers token_key_rotated with the retired epoch once the grace is over', async () => {
      const later = await service.decide({
        projectId: LOCKED,
        origin: APP,
        authorization: bearer(node({ iat: NOW_S + 50 }, K.previous)),
        nowMs: NOW + 60_001,
      });
      expect(denied(later)).toMatchObject({ code: 'token_key_rotated', keyEpoch: 2 });
    });

    it('flags a leaked current key, and only the current one', async () => {
      expect(denied(await decide(bearer(K.current))).currentKeyExposed).toBe(true);
      expect(denied(await decide(bearer(K.foreign))).currentKeyExposed).toBeUndefined();
    });
  });

  describe('requireToken', () => {
    it('answers token_required with a realm-only challenge when no token is sent', async () => {
      for (const authorization of [undefined, '', '   ']) {
        const decision = denied(await decide(authorization));
        expect(decision).toMatchObject({ status: 401, code: 'token_required' });
        expect(decision.headers['WWW-Authenticate']).toBe(CHALLENGE);
        expect(decision.message).toContain('Settings > Widget > Security');
      }
    });

    it('lets an anonymous caller in when tokens are not required', async () => {
      const decision = await decide(undefined, APP, PROJECT);
      expect(decision).toMatchObject({
        allowed: true,
        outcome: 'anonymous',
        requireToken: false,
        keyEpoch: null,
        token: null,
        identity: { verified: false, userId: null, userMetadata: null, keyEpoch: null },
      });
    });

    it('still verifies a token that is sent when tokens are not required', async () => {
      const bad = denied(await decide(bearer(node({}, K.foreign)), APP, PROJECT));
      expect(bad.code).toBe('token_signature_invalid');
      expect(await decide(bearer(node()), APP, PROJECT)).toMatchObject({ outcome: 'verified' });
    });
  });

  describe('origin', () => {
    it.each<[string, string | undefined, string | undefined]>([
      ['a listed origin', APP, APP],
      ['any origin when the list is empty', 'https://anywhere.test', 'https://anywhere.test'],
      ['no Origin header when the list is empty', undefined, undefined],
      ['"null" when the list is empty', 'null', 'null'],
    ])('allows %s', async (_case, origin, echoed) => {
      const projectId = origin === APP ? LOCKED : PROJECT;
      const authorization = projectId === LOCKED ? bearer(node()) : undefined;
      const decision = await service.decide({ projectId, origin, authorization, nowMs: NOW });
      expect(decision.allowed).toBe(true);
      expect(decision.headers['Access-Control-Allow-Origin']).toBe(echoed);
      expect(decision.headers.Vary).toBe('Origin');
    });

    it.each<[string, string | null, string | undefined, RegExp]>([
      [
        'another origin',
        'https://evil.test',
        'https://evil.test',
        /"https:\/\/evil\.test" is not allowed/,
      ],
      ['a missing Origin', null, undefined, /no Origin header/],
      ['an opaque "null" origin', 'null', 'null', /opaque origin/],
      [
        'an overlong origin',
        `https://${'a'.repeat(400)}.test`,
        undefined,
        /"https:\/\/a+…" is not allowed/,
      ],
    ])('refuses %s: 403 origin_not_allowed', async (_case, origin, echoed, message) => {
      const decision = denied(await decide(bearer(node()), origin));
      expect(decision).toMatchObject({ status: 403, code: 'origin_not_allowed', check: 'origin' });
      expect(decision.message).toMatch(message);
      expect(decision.message).toContain('Settings > Widget > Security');
      expect(decision.headers['Access-Control-Allow-Origin']).toBe(echoed);
      expect(decision.headers['WWW-Authenticate']).toBeUndefined();
    });
  });

  describe('order of checks: project → origin → token', () => {
    it('answers 404 for an unknown project whatever the origin and token', async () => {
      const unknown = '33333333-3333-4333-8333-333333333333';
      const decision = denied(await decide('Bearer junk', 'https://evil.test', unknown));
      expect(decision).toMatchObject({ status: 404, code: 'project_not_found', check: 'project' });
      expect(decision.headers).toEqual({ Vary: 'Origin' }); // no CORS header: nothing to read
    });

    it('answers 404 for a malformed id without asking the source', async () => {
      for (const projectId of ['nope', '', "'; DROP TABLE projects; --", 'x'.repeat(10_000)]) {
        expect(denied(await decide(undefined, APP, projectId)).code).toBe('project_not_found');
      }
      expect(source.loads).toBe(0);
    });

    it('answers 403 for a bad origin before looking at a bad token', async () => {
      expect(denied(await decide('Bearer junk', 'https://evil.test')).code).toBe(
        'origin_not_allowed',
      );
      expect(denied(await decide(undefined, 'https://evil.test')).code).toBe('origin_not_allowed');
    });

    it('accepts the project id in any case', async () => {
      expect(await decide(bearer(node()), APP, LOCKED.toUpperCase())).toMatchObject({
        allowed: true,
        projectId: LOCKED,
      });
    });
  });

  it('answers 503 with Retry-After when the state cannot be read', async () => {
    source.failing = true;
    const decision = denied(await decide(bearer(node())));
    expect(decision).toMatchObject({ status: 503, code: 'service_unavailable' });
    expect(decision.headers['Retry-After']).toBe('5');
  });

  describe('preflight', () => {
    it('allows a listed origin with the CORS headers of API.md §6', async () => {
      const decision = await service.preflight({ projectId: LOCKED, origin: APP });
      expect(decision).toEqual({
        allowed: true,
        headers: expect.objectContaining({
          'Access-Control-Allow-Origin': APP,
          Vary: 'Origin',
          'Access-Control-Allow-Methods': 'GET, POST',
          'Access-Control-Allow-Headers': expect.stringContaining('Authorization, Content-Type'),
          'Access-Control-Max-Age': '600',
        }),
      });
    });

    it('needs no token even when tokens are required', async () => {
      expect((await service.preflight({ projectId: LOCKED, origin: APP })).allowed).toBe(true);
    });

    it.each([
      ['a blocked origin', LOCKED, 'https://evil.test', 'origin_not_allowed'],
      ['an unknown project', '33333333-3333-4333-8333-333333333333', APP, 'project_not_found'],
    ])('gives %s no allowing header', async (_case, projectId, origin, code) => {
      const decision = denied(await service.preflight({ projectId, origin }));
      expect(decision.code).toBe(code);
      expect(Object.keys(decision.headers).filter((h) => h.startsWith('Access-Control'))).toEqual(
        [],
      );
    });
  });

  describe('the per-project count (the rate limit hook)', () => {
    const UNKNOWN = '33333333-3333-4333-8333-333333333333';
    const counting = (refuse = false) => {
      const counted: string[] = [];
      const hook = async (projectId: string) => {
        counted.push(projectId);
        if (refuse) throw new Error('429');
      };
      return { counted, hook };
    };
    const verifierOf = async (projectId: string) => {
      const cache = new SecurityCache(source);
      service = new WidgetAccessService(source, cache, DEFAULT_WIDGET_CORS);
      return jest.spyOn((await cache.get(projectId))!.verifier, 'verify');
    };

    it('runs once the project is known and before any token work: a refusal costs no HMAC', async () => {
      const verify = await verifierOf(LOCKED);
      const { counted, hook } = counting(true);
      const input = { projectId: LOCKED, origin: APP, authorization: bearer(node()), nowMs: NOW };
      await expect(service.decide(input, hook)).rejects.toThrow('429');
      expect(counted).toEqual([LOCKED]);
      expect(verify).not.toHaveBeenCalled();

      const allowed = counting();
      expect((await service.decide(input, allowed.hook)).allowed).toBe(true);
      expect(allowed.counted).toEqual([LOCKED]);
      expect(verify).toHaveBeenCalledTimes(1);
    });

    it('counts refused origins and preflights of known projects, never unknown ids', async () => {
      const { counted, hook } = counting();
      await service.decide({ projectId: LOCKED, origin: 'https://evil.test' }, hook);
      await service.preflight({ projectId: LOCKED, origin: 'https://evil.test' }, hook);
      await service.decide({ projectId: UNKNOWN, origin: APP }, hook);
      await service.preflight({ projectId: UNKNOWN, origin: APP }, hook);
      await service.decide({ projectId: 'not-a-uuid', origin: APP }, hook);
      expect(counted).toEqual([LOCKED, LOCKED]);
    });
  });
});
