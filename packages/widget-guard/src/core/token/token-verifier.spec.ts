import { JWTHeaderParameters, JWTPayload, SignJWT } from 'jose';
import { createHash, createHmac } from 'node:crypto';
import jwt from 'jsonwebtoken';
import {
  createTokenVerifier,
  MAX_TOKEN_BYTES,
  VerifiedTokenCache,
  type ProjectSigningKeys,
  type TokenCheck,
  type TokenErrorCode,
  type TokenVerifierOptions,
} from './token-verifier';

const NOW_S = 1_750_000_000;
const NOW = NOW_S * 1000;
const DAY = 86_400;
const GRACE_END = NOW + 3_600_000;
const sk = (seed: string) => `sk_live_${createHash('sha256').update(seed).digest('base64url')}`;
const K = { e1: sk('epoch-1'), e2: sk('epoch-2'), e3: sk('epoch-3'), foreign: sk('other') };
const KEYS: ProjectSigningKeys = {
  current: { epoch: 3, secret: K.e3 },
  previous: { epoch: 2, secret: K.e2, expiresAtMs: GRACE_END },
  retired: [{ epoch: 1, secret: K.e1 }],
};
// A rotation without grace: epoch 2 is now only a retired key.
const NO_GRACE: ProjectSigningKeys = {
  ...KEYS,
  previous: null,
  retired: [KEYS.retired[0], { epoch: 2, secret: K.e2 }],
};

const b64 = (part: unknown) =>
  Buffer.from(typeof part === 'string' ? part : JSON.stringify(part)).toString('base64url');
/** Hand-built JWS; header/payload are objects or raw JSON text. */
function forge(header: unknown, payload: unknown, key = K.e3, hash = 'sha256'): string {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${createHmac(hash, key).update(input).digest('base64url')}`;
}
const HS = { alg: 'HS256', typ: 'JWT' };
const user = (extra: object = {}) => ({ userId: 'u1', exp: NOW_S + DAY, ...extra });
const signed = (extra: object) => forge(HS, user(extra));
// Customer docs: jsonwebtoken with expiresIn '24h' (iat pinned so exp is deterministic).
const node = (claims: object = {}, key = K.e3, iat = NOW_S - 10) =>
  jwt.sign({ userId: 'u1', iat, ...claims }, key, { algorithm: 'HS256', expiresIn: '24h' });
/** The same token with the 2 unused low bits of its signature's last character changed. */
const unusedBitsChanged = (token: string) => {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const index = alphabet.indexOf(token[token.length - 1]);
  return token.slice(0, -1) + alphabet[index ^ 1];
};
const meta = (entries: number, keyLen = 1, valueLen = 1) =>
  Object.fromEntries(
    Array.from({ length: entries }, (_, i) => [`${i}`.padEnd(keyLen, 'k'), 'v'.repeat(valueLen)]),
  );
/** A validly signed token of exactly `target` chars, grown by an ignored claim (binary search). */
const pad = (target: number) => {
  const sized = (n: number) => node({ pad: 'x'.repeat(n) });
  let [lo, hi] = [0, target];
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sized(mid).length < target) lo = mid + 1;
    else hi = mid;
  }
  expect(sized(lo)).toHaveLength(target);
  return sized(lo);
};

// A second, independent library mints the same kinds of tokens customers make.
type Times = { exp: number; iat?: number; nbf?: number };
const JOSE_JOBS: Record<string, [string, JWTPayload, Times, JWTHeaderParameters?]> = {
  ok: [K.e3, { userId: 'j1', userMetadata: { plan: 'pro' } }, { iat: NOW_S, exp: NOW_S + DAY }],
  noIat: [K.e3, { userId: 'j1' }, { exp: NOW_S + 600 }],
  nbf61: [K.e3, { userId: 'j1' }, { nbf: NOW_S + 61, exp: NOW_S + DAY }],
  expired: [K.e3, { userId: 'j1' }, { iat: NOW_S - DAY, exp: NOW_S - 61 }],
  previous: [K.e2, { userId: 'j1' }, { iat: NOW_S, exp: NOW_S + DAY }],
  kid: [K.e3, { userId: 'j1' }, { exp: NOW_S + DAY }, { alg: 'HS256', kid: '1', jku: 'https://x' }],
};
const jose: Record<string, string> = {};
beforeAll(async () => {
  for (const [name, [key, claims, t, header]] of Object.entries(JOSE_JOBS)) {
    let builder = new SignJWT(claims)
      .setProtectedHeader(header ?? { alg: 'HS256' })
      .setExpirationTime(t.exp);
    if (t.iat !== undefined) builder = builder.setIssuedAt(t.iat);
    if (t.nbf !== undefined) builder = builder.setNotBefore(t.nbf);
    jose[name] = await builder.sign(new TextEncoder().encode(key));
  }
});

type Opts = { now?: number; epoch?: number; keys?: ProjectSigningKeys; cfg?: TokenVerifierOptions };
type Row = [name: string, expected: 'ok' | TokenErrorCode, token: () => string, o?: Opts];
const run = (token: string, o: Opts = {}): TokenCheck =>
  createTokenVerifier(o.keys ?? KEYS, o.cfg).verify(token, o.now ?? NOW);
const check = (...[, expected, token, o = {}]: Row) => {
  const result = run(token(), o);
  if (expected === 'ok') {
    expect(result).toMatchObject({ ok: true, token: { keyEpoch: o.epoch ?? 3 } });
  } else {
    expect(result).toMatchObject({ ok: false, code: expected });
    if (o.epoch !== undefined) expect(result).toMatchObject({ keyEpoch: o.epoch });
  }
};
// Short aliases keep every table row on one line.
const MAL = 'token_malformed';
const SIG = 'token_signature_invalid';
const ROT = 'token_key_rotated';
const CLM = 'token_claims_invalid';
const EXP = 'token_expired';
const NYV = 'token_not_yet_valid';
const CAP = { cfg: { maxTokenLifetimeSeconds: 3600 } };

const MALFORMED: Row[] = [
  ['exactly MAX_TOKEN_BYTES, validly signed', 'ok', () => pad(MAX_TOKEN_BYTES)],
  ['MAX_TOKEN_BYTES + 1, validly signed', MAL, () => pad(MAX_TOKEN_BYTES + 1)],
  ['two parts', MAL, () => node().split('.').slice(0, 2).join('.')],
  ['four parts', MAL, () => `${node()}.${b64('x')}`],
  ['bad base64 in the header', MAL, () => `!!${node()}`],
  ['padded (non-base64url) signature', MAL, () => `${node()}=`],
  ['empty signature', MAL, () => node().replace(/[^.]+$/, '')],
  ['bad JSON header', MAL, () => forge('{"alg":"HS256"', user())],
  ['bad JSON payload', MAL, () => forge(HS, '{"userId":')],
  ['header is not an object', MAL, () => forge('"HS256"', user())],
  ['payload is an array', MAL, () => forge(HS, [user()])],
  ['payload is a number', MAL, () => forge(HS, '42')],
  ['alg none, no signature', MAL, () => `${b64({ alg: 'none' })}.${b64(user())}.`],
  ['alg none with an HMAC', MAL, () => forge({ alg: 'none' }, user())],
  ['RS256 header, HMAC signature', MAL, () => forge({ alg: 'RS256' }, user())],
  ['HS512 with the right key', MAL, () => forge({ alg: 'HS512' }, user(), K.e3, 'sha512')],
  ['no alg', MAL, () => forge({ typ: 'JWT' }, user())],
  ['crit, valid signature', MAL, () => forge({ ...HS, crit: ['exp'], exp: 1 }, user())],
  ['crit: false (fast-jwt lets it pass)', MAL, () => forge({ ...HS, crit: false }, user())],
  ['crit, previous key', MAL, () => forge({ ...HS, crit: ['x'], x: 1 }, user(), K.e2)],
  ['crit beats a wrong key', MAL, () => forge({ ...HS, crit: ['x'], x: 1 }, user(), K.foreign)],
];

const KEY_ROWS: Row[] = [
  ['jsonwebtoken, current key', 'ok', () => node()],
  ['jose, current key', 'ok', () => jose.ok],
  ['unknown key', SIG, () => node({}, K.foreign)],
  ['tampered payload', SIG, () => node().replace(/\.[^.]+\./, `.${b64(user())}.`)],
  ['unused signature bits changed', SIG, () => unusedBitsChanged(node())],
  ['unused bits changed, previous key', SIG, () => unusedBitsChanged(node({}, K.e2))],
  ['unused bits changed, retired key', SIG, () => unusedBitsChanged(node({}, K.e1))],
  [
    'unused bits changed, crit: still malformed',
    MAL,
    () => unusedBitsChanged(forge({ ...HS, crit: ['x'] }, user())),
  ],
  [
    'truncated signature, crit: still malformed',
    MAL,
    () => forge({ ...HS, crit: ['x'] }, user()).slice(0, -1),
  ],
  ['unknown key + bad claims: signature first', SIG, () => forge(HS, { exp: 1 }, K.foreign)],
  ['previous key inside the grace', 'ok', () => node({}, K.e2), { epoch: 2 }],
  ['jose, previous key at grace end', 'ok', () => jose.previous, { epoch: 2, now: GRACE_END }],
  ['previous key after the grace', ROT, () => node({}, K.e2), { epoch: 2, now: GRACE_END + 1 }],
  ['previous key, rotation without grace', ROT, () => node({}, K.e2), { epoch: 2, keys: NO_GRACE }],
  ['retired key', ROT, () => node({}, K.e1), { epoch: 1 }],
  ['retired key with bad claims', ROT, () => forge(HS, {}, K.e1), { epoch: 1 }],
  ['kid/jku headers are ignored', 'ok', () => jose.kid],
  ['kid "3" is ignored', ROT, () => forge({ ...HS, kid: '3' }, user(), K.e1), { epoch: 1 }],
];

const TIME_ROWS: Row[] = [
  ['exp missing', CLM, () => forge(HS, { userId: 'u1' })],
  ['exp is a string', CLM, () => signed({ exp: String(NOW_S + 60) })],
  ['exp is 1e999 (Infinity)', CLM, () => forge(HS, '{"userId":"u1","exp":1e999}')],
  ['exp 59 s ago', 'ok', () => signed({ exp: NOW_S - 59 })],
  ['exp 60 s ago', 'ok', () => signed({ exp: NOW_S - 60 })],
  ['exp 61 s ago', EXP, () => signed({ exp: NOW_S - 61 }), { epoch: 3 }],
  [
    'exp 61 s ago, previous key',
    EXP,
    () => forge(HS, user({ exp: NOW_S - 61 }), K.e2),
    { epoch: 2 },
  ],
  ['jose, exp 61 s ago', EXP, () => jose.expired],
  ['expired beats a missing userId', EXP, () => forge(HS, { exp: NOW_S - 61 })],
  ['skew 0: exp 1 s ago', EXP, () => signed({ exp: NOW_S - 1 }), { cfg: { clockSkewSeconds: 0 } }],
  ['nbf 59 s ahead', 'ok', () => signed({ nbf: NOW_S + 59 })],
  ['nbf 61 s ahead', NYV, () => signed({ nbf: NOW_S + 61 }), { epoch: 3 }],
  ['jose, nbf 61 s ahead', NYV, () => jose.nbf61],
  ['iat 59 s ahead', 'ok', () => signed({ iat: NOW_S + 59 })],
  ['iat 61 s ahead', NYV, () => signed({ iat: NOW_S + 61 })],
  ['not-yet-valid beats no userId', NYV, () => forge(HS, { exp: NOW_S + 9, iat: NOW_S + 61 })],
  ['nbf is a string', CLM, () => signed({ nbf: 'soon' })],
  ['iat is null', CLM, () => signed({ iat: null })],
  ['PyJWT shape (no iat)', 'ok', () => forge(HS, '{"userId":"py-1","exp":1750003600}')],
  ['jose without iat', 'ok', () => jose.noIat],
];

const CLAIM_ROWS: Row[] = [
  ['userId missing', CLM, () => node({ userId: undefined }), { epoch: 3 }],
  ['userId with NUL', CLM, () => node({ userId: 'a\u0000b' })],
  ['userId with a lone surrogate', CLM, () => node({ userId: 'a\ud800' })],
  ['userId with a surrogate pair', 'ok', () => node({ userId: 'a\ud83d\ude00' })],
  ['userMetadata value with NUL', CLM, () => node({ userMetadata: { a: '\u0000' } })],
  ['userMetadata key with a lone surrogate', CLM, () => node({ userMetadata: { '\udfff': 'v' } })],
  ['userId is a number', CLM, () => node({ userId: 42 })],
  ['userId empty', CLM, () => node({ userId: '' })],
  ['userId 255 chars', 'ok', () => node({ userId: 'u'.repeat(255) })],
  ['userId 256 chars', CLM, () => node({ userId: 'u'.repeat(256) })],
  ['userMetadata null', 'ok', () => node({ userMetadata: null })],
  ['userMetadata array', CLM, () => node({ userMetadata: ['a'] })],
  ['userMetadata string', CLM, () => node({ userMetadata: 'pro' })],
  ['userMetadata number value', CLM, () => node({ userMetadata: { seats: 3 } })],
  ['userMetadata nested object', CLM, () => node({ userMetadata: { a: { b: 'c' } } })],
  ['userMetadata 50 keys', 'ok', () => node({ userMetadata: meta(50) })],
  ['userMetadata key 64 chars', 'ok', () => node({ userMetadata: meta(1, 64) })],
  ['userMetadata value 1024 chars', 'ok', () => node({ userMetadata: meta(1, 1, 1024) })],
  ['userMetadata 51 keys', CLM, () => node({ userMetadata: meta(51) })],
  ['userMetadata key 65 chars', CLM, () => node({ userMetadata: meta(1, 65) })],
  ['userMetadata value 1025 chars', CLM, () => node({ userMetadata: meta(1, 1, 1025) })],
  ['lifetime cap 1 h: 24 h token', CLM, () => node(), CAP],
  ['lifetime cap 1 h: exactly 1 h', 'ok', () => signed({ iat: NOW_S, exp: NOW_S + 3600 }), CAP],
  ['lifetime cap 1 h: no iat, within', 'ok', () => signed({ exp: NOW_S + 3000 }), CAP],
  ['lifetime cap 1 h: no iat, beyond', CLM, () => signed({ exp: NOW_S + 4000 }), CAP],
];

describe('createTokenVerifier', () => {
  it.each(MALFORMED)('malformed: %s', check);
  it.each(KEY_ROWS)('keys: %s', check);
  it.each(TIME_ROWS)('time claims: %s', check);
  it.each(CLAIM_ROWS)('claims: %s', check);

  it('returns the verified identity', () => {
    const [iat, exp, userMetadata] = [NOW_S - 10, NOW_S - 10 + DAY, { plan: 'pro' }];
    expect(run(node({ userMetadata, jti: 'x' }))).toEqual({
      ok: true,
      token: {
        ...{ userId: 'u1', userMetadata, keyEpoch: 3, header: HS, expiresAtMs: exp * 1000 },
        claims: { userId: 'u1', userMetadata, jti: 'x', iat, exp },
      },
    });
  });

  it('re-checks time claims on every call of a reused verifier (cache hits included)', () => {
    const verifier = createTokenVerifier(KEYS);
    const token = forge(HS, user({ nbf: NOW_S + 61, exp: NOW_S + 600 }));
    expect(verifier.verify(token, NOW)).toMatchObject({ code: 'token_not_yet_valid' });
    expect(verifier.verify(token, NOW + 2000)).toMatchObject({ ok: true });
    expect(verifier.verify(token, NOW + 2000)).toMatchObject({ ok: true });
    expect(verifier.verify(token, (NOW_S + 661) * 1000)).toMatchObject({ code: 'token_expired' });
    expect(verifier.verify(token, NaN)).toMatchObject({ code: 'token_expired' }); // real clock
    const fresh = node({}, K.e3, Math.floor(Date.now() / 1000));
    expect(verifier.verify(fresh)).toMatchObject({ ok: true }); // default now = Date.now()
  });

  it('hands out frozen claims so callers cannot poison the per-epoch cache', () => {
    const verifier = createTokenVerifier(KEYS);
    const token = node({ userMetadata: { plan: 'pro' } });
    const first = verifier.verify(token, NOW);
    if (!first.ok) throw new Error(first.detail);
    const claims = first.token.claims as Record<string, unknown>;
    expect(Object.isFrozen(claims) && Object.isFrozen(first.token.userMetadata)).toBe(true);
    expect(() => (claims.userId = 'admin')).toThrow(TypeError);
    expect(verifier.verify(token, NOW)).toMatchObject({ ok: true, token: { userId: 'u1' } });
  });

  it('a new epoch is a new verifier: nothing verified under the old key survives', () => {
    const token = node();
    const epoch3 = createTokenVerifier(KEYS);
    expect(epoch3.verify(token, NOW)).toMatchObject({ ok: true, token: { keyEpoch: 3 } });
    const epoch4 = createTokenVerifier({
      current: { epoch: 4, secret: sk('epoch-4') },
      previous: null,
      retired: [{ epoch: 3, secret: K.e3 }, ...NO_GRACE.retired],
    });
    expect(epoch4.verify(token, NOW)).toMatchObject({ code: ROT, keyEpoch: 3 });
    expect(epoch3.verify(token, NOW)).toMatchObject({ ok: true });
  });

  it('never throws, even on non-string input', () => {
    const verifier = createTokenVerifier(KEYS);
    for (const input of [undefined, null, 42, {}, '', '..', '.'.repeat(5000), 'a.b.c']) {
      expect(verifier.verify(input as string, NOW)).toMatchObject({ code: MAL });
    }
  });

  it('classifies every failure with a detail that holds no key and not the token', () => {
    const rows = [...MALFORMED, ...KEY_ROWS, ...TIME_ROWS, ...CLAIM_ROWS];
    const failures = rows.map(([, , token, o]) => [token(), run(token(), o)] as const);
    expect(failures.filter(([, r]) => !r.ok).length).toBeGreaterThan(40);
    for (const [token, result] of failures) {
      if (result.ok) continue;
      expect(result.detail).toMatch(/^[A-Z].*\.$/);
      // Every row is classified on purpose, never by verify()'s last-resort catch.
      expect(result.detail).not.toBe('The token could not be verified.');
      for (const secret of [...Object.values(K), token])
        expect(result.detail).not.toContain(secret);
      expect(result.detail).not.toContain('sk_live_');
    }
  });

  it('rejects unusable configuration at creation', () => {
    const noSecret = { ...KEYS, current: { epoch: 3, secret: '' } };
    expect(() => createTokenVerifier(noSecret)).toThrow(TypeError);
    expect(() => createTokenVerifier(KEYS, { clockSkewSeconds: -1 })).toThrow(RangeError);
    expect(() => createTokenVerifier(KEYS, { maxTokenLifetimeSeconds: 0 })).toThrow(RangeError);
  });
});

describe('remembered judgements (VerifiedTokenCache)', () => {
  const ALL_ROWS = [...MALFORMED, ...KEY_ROWS, ...TIME_ROWS, ...CLAIM_ROWS];

  it.each(ALL_ROWS)('same answer on first sight, when remembered, and on a hit: %s', (...row) => {
    const [, , token, o = {}] = row;
    const cache = new VerifiedTokenCache({ maxEntries: 10 });
    const verifier = createTokenVerifier(o.keys ?? KEYS, { ...o.cfg, cache });
    const t = token();
    const answers = [1, 2, 3].map(() => verifier.verify(t, o.now ?? NOW));
    expect(answers[1]).toEqual(answers[0]);
    expect(answers[2]).toEqual(answers[0]);
  });

  it('remembers a token from its second verification on, not its first', () => {
    const cache = new VerifiedTokenCache({ maxEntries: 10 });
    const verifier = createTokenVerifier(KEYS, { cache });
    const token = node();
    verifier.verify(token, NOW);
    expect(cache.size).toBe(0); // used once: nothing kept
    verifier.verify(token, NOW);
    expect(cache.size).toBe(1);
    expect(verifier.verify(token, NOW)).toMatchObject({ ok: true });
  });

  it('still decides the grace period per call for a remembered previous-key token', () => {
    const verifier = createTokenVerifier(KEYS);
    const token = node({}, K.e2);
    for (let i = 0; i < 3; i++) {
      expect(verifier.verify(token, NOW)).toMatchObject({ ok: true, token: { keyEpoch: 2 } });
    }
    expect(verifier.verify(token, GRACE_END + 1)).toMatchObject({ code: ROT, keyEpoch: 2 });
    expect(verifier.verify(token, NOW)).toMatchObject({ ok: true, token: { keyEpoch: 2 } });
  });

  it('shared by verifiers, an entry serves only the verifier that stored it', () => {
    const cache = new VerifiedTokenCache({ maxEntries: 10 });
    const epoch3 = createTokenVerifier(KEYS, { cache });
    const otherProject = createTokenVerifier(
      { current: { epoch: 1, secret: K.foreign }, previous: null, retired: [] },
      { cache },
    );
    const token = node();
    for (let i = 0; i < 3; i++) expect(epoch3.verify(token, NOW)).toMatchObject({ ok: true });
    for (let i = 0; i < 3; i++) {
      expect(otherProject.verify(token, NOW)).toMatchObject({ code: SIG });
    }
    expect(epoch3.verify(token, NOW)).toMatchObject({ ok: true });
  });

  it('is bounded by entries and by estimated bytes', () => {
    const byCount = new VerifiedTokenCache({ maxEntries: 5 });
    const byBytes = new VerifiedTokenCache({ maxEntries: 1000, maxBytes: 20_000 });
    const a = createTokenVerifier(KEYS, { cache: byCount });
    const b = createTokenVerifier(KEYS, { cache: byBytes });
    for (let i = 0; i < 50; i++) {
      const token = node({ userId: `u${i}`, pad: 'x'.repeat(500) });
      for (const verifier of [a, b, a, b]) verifier.verify(token, NOW);
    }
    expect(byCount.size).toBe(5);
    expect(byBytes.bytes).toBeLessThanOrEqual(20_000);
    expect(byBytes.size).toBeGreaterThan(0);
    expect(() => new VerifiedTokenCache({ maxEntries: 0 })).toThrow(RangeError);
  });
});
