import { b64, forge, HS, nowS } from './widget-client';

/**
 * The whole token table of API.md §6, plus the project and origin rows before it, as
 * requests any guarded route can be sent: the widget API and every consumer of the guard
 * package must give each row the same status, code and guard headers.
 */
export interface GuardRow {
  name: string;
  /** Which project of the fixture the row calls. */
  project: 'locked' | 'open' | 'unknown' | 'malformed';
  method: 'GET' | 'OPTIONS';
  headers: Record<string, string>;
  status: number;
  code?: string;
}

/** locked: requireToken, allowedOrigins [site], key rotated (grace 0) from `retiredKey` to `key`. */
export interface GuardFixture {
  site: string;
  key: string;
  retiredKey: string;
  /** The open project's key (requireToken off, every origin). */
  openKey: string;
}

/** The headers the guard sets; the rest (helmet, request ids) belong to each host app. */
export const GUARD_HEADERS = [
  'www-authenticate',
  'access-control-allow-origin',
  'access-control-expose-headers',
  'access-control-allow-methods',
  'access-control-allow-headers',
  'access-control-max-age',
  'vary',
  'retry-after',
] as const;

export function guardRows(f: GuardFixture): GuardRow[] {
  const now = nowS();
  const good = { userId: 'u-1', exp: now + 3600 };
  const at = (site = f.site) => ({ Origin: site });
  const tok = (token: string, site = f.site) => ({
    Origin: site,
    Authorization: `Bearer ${token}`,
  });
  const signed = (payload: object, header: object = HS, key = f.key) => forge(header, payload, key);
  const row = (
    name: string,
    headers: Record<string, string>,
    status: number,
    code?: string,
    project: GuardRow['project'] = 'locked',
    method: GuardRow['method'] = 'GET',
  ): GuardRow => ({ name, project, method, headers, status, code });
  const claims = (name: string, payload: object) =>
    row(name, tok(signed(payload)), 401, 'token_claims_invalid');
  const metadata = (entries: [string, unknown][]) => Object.fromEntries(entries);
  return [
    row('valid token', tok(signed({ ...good, userMetadata: { plan: 'pro' } })), 200),
    row('unknown project', at(), 404, 'project_not_found', 'unknown'),
    row('malformed project id', at(), 404, 'project_not_found', 'malformed'),
    row(
      'origin not in the list',
      tok(signed(good), 'https://evil.example'),
      403,
      'origin_not_allowed',
    ),
    row('no Origin', { Authorization: `Bearer ${signed(good)}` }, 403, 'origin_not_allowed'),
    row('Origin null', tok(signed(good), 'null'), 403, 'origin_not_allowed'),
    row('no token, requireToken on', at(), 401, 'token_required'),
    row('not three parts', tok('abc'), 401, 'token_malformed'),
    row('bad JSON', tok('a.b.c'), 401, 'token_malformed'),
    row(
      'alg none',
      tok(`${b64({ alg: 'none', typ: 'JWT' })}.${b64(good)}.`),
      401,
      'token_malformed',
    ),
    row('alg RS256', tok(signed(good, { alg: 'RS256', typ: 'JWT' })), 401, 'token_malformed'),
    row('crit header', tok(signed(good, { ...HS, crit: ['exp'] })), 401, 'token_malformed'),
    row('over 8 KiB', tok(signed({ ...good, pad: 'x'.repeat(9000) })), 401, 'token_malformed'),
    row(
      'signed with another key',
      tok(signed(good, HS, `${f.key}x`)),
      401,
      'token_signature_invalid',
    ),
    row(
      'signed with the retired key',
      tok(signed(good, HS, f.retiredKey)),
      401,
      'token_key_rotated',
    ),
    claims('exp missing', { userId: 'u-1' }),
    claims('exp not a number', { userId: 'u-1', exp: 'tomorrow' }),
    row('expired', tok(signed({ ...good, exp: now - 120 })), 401, 'token_expired'),
    row('nbf ahead', tok(signed({ ...good, nbf: now + 600 })), 401, 'token_not_yet_valid'),
    row('iat ahead', tok(signed({ ...good, iat: now + 600 })), 401, 'token_not_yet_valid'),
    claims('userId missing', { exp: now + 3600 }),
    claims('userId not a string', { ...good, userId: 42 }),
    claims('userId empty', { ...good, userId: '' }),
    claims('userId over 255 chars', { ...good, userId: 'u'.repeat(256) }),
    claims('userMetadata not an object', { ...good, userMetadata: ['a'] }),
    claims('userMetadata value not a string', { ...good, userMetadata: { age: 3 } }),
    claims('userMetadata over 50 keys', {
      ...good,
      userMetadata: metadata(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v'])),
    }),
    claims('userMetadata key over 64 chars', { ...good, userMetadata: { ['k'.repeat(65)]: 'v' } }),
    claims('userMetadata value over 1024 chars', {
      ...good,
      userMetadata: { k: 'v'.repeat(1025) },
    }),
    row('the secret key sent as the token', tok(f.key), 401, 'secret_key_exposed'),
    row('open project, anonymous', {}, 200, undefined, 'open'),
    row(
      'open project, bad token',
      tok('abc', 'https://any.example'),
      401,
      'token_malformed',
      'open',
    ),
    row(
      'open project, valid token',
      tok(signed(good, HS, f.openKey), 'https://any.example'),
      200,
      undefined,
      'open',
    ),
    row(
      'preflight, allowed origin',
      { ...at(), 'Access-Control-Request-Method': 'GET' },
      204,
      undefined,
      'locked',
      'OPTIONS',
    ),
    row(
      'preflight, blocked origin',
      at('https://evil.example'),
      403,
      'origin_not_allowed',
      'locked',
      'OPTIONS',
    ),
    row('preflight, unknown project', at(), 404, 'project_not_found', 'unknown', 'OPTIONS'),
  ];
}

/** What of an answer must be equal between the widget API and a consumer of the guard. */
export function guardView(answer: {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}) {
  const body = (answer.body ?? {}) as { code?: unknown; identity?: unknown };
  const headers = Object.fromEntries(
    GUARD_HEADERS.flatMap((name) =>
      answer.headers[name] === undefined ? [] : [[name, answer.headers[name]]],
    ),
  );
  return { status: answer.status, code: body.code, headers };
}
