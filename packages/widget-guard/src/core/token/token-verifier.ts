import { createDecoder, createVerifier, TokenError } from 'fast-jwt';
import { LRUCache } from 'lru-cache';
import { checkClaims, type ClaimPolicy } from './token-claims';
import { fail, type TokenFailure } from './token-errors';
import type { TokenCheck } from './token-result';

export type { TokenErrorCode, TokenFailure } from './token-errors';
export type { TokenCheck, VerifiedToken } from './token-result';

export const MAX_TOKEN_BYTES = 8192;
const DEFAULT_CLOCK_SKEW_SECONDS = 60;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

export interface SigningKey {
  epoch: number;
  secret: string;
}

export interface ProjectSigningKeys {
  current: SigningKey;
  previous: (SigningKey & { expiresAtMs: number }) | null;
  retired: SigningKey[];
}

export interface TokenVerifier {
  /** Never throws. `nowMs` defaults to Date.now(). */
  verify(token: string, nowMs?: number): TokenCheck;
}

export interface VerifiedTokenCacheOptions {
  /** Tokens remembered at most. */
  maxEntries: number;
  /** Estimated bytes (token string and decoded JSON) remembered at most. */
  maxBytes: number;
}

/** A verifier alone (no shared cache given) remembers this many tokens, as fast-jwt did. */
const OWN_CACHE_ENTRIES = 1000;
/** Per remembered token: the key string, the decoded header and claims, the LRU's links. */
const estimatedBytes = (token: string): number => 256 + 3 * token.length;

type Json = Record<string, unknown>;
type Decoded = { header: Json; payload: Json };

/**
 * What a verifier learnt about one token, independent of the clock: decoded (signed by the
 * current or the previous key; the time claims and the grace period are still checked on
 * every call) or failed for good (malformed, bad signature, a retired key).
 */
type Judgement = { owner: object } & (
  | { decoded: Decoded; byPrevious: boolean; failure?: undefined }
  | { failure: TokenFailure; decoded?: undefined }
);

/** A 32-bit fingerprint of a token: its length and the tail of its signature (FNV-1a). */
function fingerprint(token: string): number {
  let hash = 0x811c9dc5 ^ token.length;
  for (let i = Math.max(0, token.length - 16); i < token.length; i++) {
    hash = Math.imul(hash ^ token.charCodeAt(i), 0x01000193);
  }
  return hash | 0;
}

/**
 * Tokens already judged, keyed by the token string itself: a hit costs one map lookup, where
 * fast-jwt's own cache hashes every token with SHA-256 (twice on a miss), which costs about as
 * much as the HMAC it saves. One cache can serve many verifiers and so bounds their memory
 * together (SecurityCache shares one across every project); an entry is only ever used by the
 * verifier that stored it, so a new key epoch (a new verifier) never sees what an old one
 * verified.
 *
 * Admission: a token is remembered the second time it is judged, not the first. A token sent
 * once (a fresh token on every request) then costs neither memory nor garbage collection; a
 * token sent again costs one more HMAC before its hits. First sightings are noted in a fixed
 * array of fingerprints (no token is kept there); a collision only admits a token early.
 */
export class VerifiedTokenCache {
  private readonly lru: LRUCache<string, Judgement>;
  private readonly seen: Int32Array;

  constructor(options: Partial<VerifiedTokenCacheOptions> = {}) {
    const maxEntries = options.maxEntries ?? OWN_CACHE_ENTRIES;
    const maxBytes = options.maxBytes ?? maxEntries * estimatedBytes(' '.repeat(MAX_TOKEN_BYTES));
    if (!(Number.isInteger(maxEntries) && maxEntries > 0 && maxBytes > 0)) {
      throw new RangeError('A token cache needs maxEntries and maxBytes above 0.');
    }
    this.lru = new LRUCache<string, Judgement>({
      max: maxEntries,
      maxSize: maxBytes,
      sizeCalculation: (_value, token) => estimatedBytes(token),
    });
    // A power of two, about twice the entries, at most 64 Ki slots (256 KiB).
    this.seen = new Int32Array(2 ** Math.min(16, Math.ceil(Math.log2(2 * maxEntries))));
  }

  get size(): number {
    return this.lru.size;
  }

  /** Estimated bytes held (see `maxBytes`). */
  get bytes(): number {
    return this.lru.calculatedSize;
  }

  /** What `owner` (a verifier) remembered about `token`. */
  recall(token: string, owner: object): Judgement | undefined {
    const known = this.lru.get(token);
    return known !== undefined && known.owner === owner ? known : undefined;
  }

  /** Keeps the judgement if the token was judged before (see admission, above). */
  remember(token: string, judgement: Judgement): void {
    const print = fingerprint(token);
    const slot = print & (this.seen.length - 1);
    if (this.seen[slot] !== print) {
      this.seen[slot] = print; // a first sighting
      return;
    }
    this.lru.set(token, judgement);
  }

  clear(): void {
    this.lru.clear();
    this.seen.fill(0);
  }
}

export interface TokenVerifierOptions {
  maxTokenLifetimeSeconds?: number | null;
  clockSkewSeconds?: number;
  /**
   * Where judged tokens are remembered; share one between verifiers to bound their memory
   * together. Default: a cache of this verifier's own (1000 tokens).
   */
  cache?: VerifiedTokenCache;
}

type Hs256 = (token: string) => Decoded;

const codes = TokenError.codes;
const decodeUnverified = createDecoder({ complete: true }) as (token: string) => Decoded;
const MALFORMED_DETAIL =
  'The token is not a JWT of three base64url parts with JSON header and payload.';
const CRIT_DETAIL = 'The token has a crit header, which is not supported.';
const FAST_JWT_DETAILS: Record<string, string> = {
  [codes.invalidAlgorithm]: 'The token must be signed with HS256.',
  [codes.missingSignature]: 'The token has no signature.',
  [codes.invalidPayload]: 'The token payload is not a JSON object.',
  [codes.invalidCritHeader]: CRIT_DETAIL,
};

function buildHs256(key: SigningKey): Hs256 {
  if (typeof key.secret !== 'string' || key.secret.length === 0) {
    throw new TypeError(`The signing key of epoch ${key.epoch} has no secret.`);
  }
  return createVerifier({
    key: key.secret, // the whole sk_live_… string, as UTF-8 bytes
    algorithms: ['HS256'], // pinned: none/RS256/HS512 are rejected before any HMAC
    complete: true,
    // fast-jwt reads its clock at creation time; we check time claims against nowMs per call.
    ignoreExpiration: true,
    ignoreNotBefore: true,
    cache: false, // VerifiedTokenCache instead: keyed by the token, no hashing per call
  }) as Hs256;
}

/**
 * Whether a signature is spelled the one way its bytes encode to. An HS256 signature is 32
 * bytes, 43 base64url characters whose last one carries 2 bits that encode nothing; base64
 * decoders ignore them (as fast-jwt's does), so without this check each signed token would
 * have 4 spellings that all verify. A token is then always one string: the verified-token
 * cache, a logged or revoked token and the stats see the token the key signed, and a
 * changed character always changes the answer. RFC 4648 §3.5 lets a decoder refuse such
 * non-canonical encodings; the signature as sent is not the one the key makes, so it is
 * token_signature_invalid (what the contract says of a signature no key matches).
 */
function isCanonical(signature: string): boolean {
  return Buffer.from(signature, 'base64url').toString('base64url') === signature;
}

const NON_CANONICAL = fail(
  'token_signature_invalid',
  'The token signature is not the canonical base64url encoding of its bytes (its last character was changed).',
);

function attempt(verify: Hs256, token: string): Decoded | null {
  try {
    return verify(token);
  } catch {
    return null;
  }
}

function deepFreeze(value: unknown): void {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return;
  Object.freeze(value);
  for (const child of Object.values(value)) deepFreeze(child);
}

function assertOptions(skew: number, maxLifetime: number | null, keys: ProjectSigningKeys): void {
  if (!Number.isFinite(skew) || skew < 0) {
    throw new RangeError('clockSkewSeconds must be a finite number >= 0.');
  }
  if (maxLifetime !== null && !(Number.isFinite(maxLifetime) && maxLifetime > 0)) {
    throw new RangeError('maxTokenLifetimeSeconds must be a positive number or null.');
  }
  if (keys.previous && !Number.isFinite(keys.previous.expiresAtMs)) {
    throw new RangeError('The previous signing key needs a finite expiresAtMs.');
  }
}

/**
 * Builds the verifier of one project at one key epoch. Build it once per epoch and reuse it
 * for every request: the HMAC keys live inside, and what it remembers of a token is its own
 * (see VerifiedTokenCache), so a rotation (new object) leaves nothing verified under an old
 * key behind.
 */
export function createTokenVerifier(
  keys: ProjectSigningKeys,
  options: TokenVerifierOptions = {},
): TokenVerifier {
  const skewSeconds = options.clockSkewSeconds ?? DEFAULT_CLOCK_SKEW_SECONDS;
  const maxLifetimeSeconds = options.maxTokenLifetimeSeconds ?? null;
  assertOptions(skewSeconds, maxLifetimeSeconds, keys);
  const policy: ClaimPolicy = { skewMs: skewSeconds * 1000, maxLifetimeSeconds };
  const current = { epoch: keys.current.epoch, verify: buildHs256(keys.current) };
  const previous = keys.previous && {
    epoch: keys.previous.epoch,
    expiresAtMs: keys.previous.expiresAtMs,
    verify: buildHs256(keys.previous),
  };
  const retired = keys.retired.map((key) => ({ epoch: key.epoch, verify: buildHs256(key) }));
  const cache = options.cache ?? new VerifiedTokenCache();
  const self = {}; // this verifier's mark on what it remembers in a shared cache

  const accept = ({ header, payload }: Decoded, epoch: number, nowMs: number): TokenCheck => {
    // fast-jwt only rejects a truthy crit; the contract rejects any crit.
    if (Object.hasOwn(header, 'crit')) return fail('token_malformed', CRIT_DETAIL);
    return checkClaims(header, payload, epoch, nowMs, policy);
  };

  const rotated = (epoch: number): TokenFailure =>
    fail(
      'token_key_rotated',
      `The token is signed with a secret key that was retired by a rotation (key epoch ${epoch}).`,
      epoch,
    );

  const failed = (failure: TokenFailure): Judgement => ({
    owner: self,
    failure: Object.freeze(failure),
  });
  const decodedBy = (decoded: Decoded, byPrevious: boolean): Judgement => {
    // The same objects are handed out on every later call: callers must not change them.
    deepFreeze(decoded.header);
    deepFreeze(decoded.payload);
    return { owner: self, decoded, byPrevious };
  };

  // Failure path only: the current key did not match a token that decoded fine.
  const afterMismatch = (token: string): Judgement => {
    const signature = token.slice(token.lastIndexOf('.') + 1);
    // fast-jwt reports a non-base64url signature as a bad signature: malformed by contract.
    if (!BASE64URL.test(signature)) return failed(fail('token_malformed', MALFORMED_DETAIL));
    const canonical = isCanonical(signature);
    // Whether its grace period still runs is decided per call (replay), like the time claims.
    const byPrevious = canonical && previous && attempt(previous.verify, token);
    if (byPrevious) return decodedBy(byPrevious, true);
    // fast-jwt checks crit only after the signature; a crit header is malformed, whatever key.
    if (Object.hasOwn(decodeUnverified(token).header, 'crit')) {
      return failed(fail('token_malformed', CRIT_DETAIL));
    }
    if (!canonical) return failed(NON_CANONICAL);
    for (const key of retired) {
      if (attempt(key.verify, token)) return failed(rotated(key.epoch));
    }
    return failed(
      fail(
        'token_signature_invalid',
        'The token signature does not match any secret key of this project.',
      ),
    );
  };

  // Everything about the token that does not depend on the clock: one HMAC on the happy path.
  const judge = (token: string): Judgement => {
    let decoded: Decoded;
    try {
      decoded = current.verify(token);
    } catch (error) {
      const code = error instanceof TokenError ? error.code : undefined;
      if (code === codes.invalidSignature) return afterMismatch(token);
      return failed(fail('token_malformed', (code && FAST_JWT_DETAILS[code]) || MALFORMED_DETAIL));
    }
    if (!isCanonical(token.slice(token.lastIndexOf('.') + 1))) {
      // A crit header is malformed whatever the signature (as on the other paths).
      return failed(
        Object.hasOwn(decoded.header, 'crit')
          ? fail('token_malformed', CRIT_DETAIL)
          : NON_CANONICAL,
      );
    }
    return decodedBy(decoded, false);
  };

  // The judgement, completed with what depends on the clock.
  const replay = (judgement: Judgement, nowMs: number): TokenCheck => {
    if (judgement.failure) return judgement.failure;
    const { decoded, byPrevious } = judgement;
    if (!byPrevious) return accept(decoded, current.epoch, nowMs);
    if (nowMs <= previous!.expiresAtMs) return accept(decoded, previous!.epoch, nowMs); // grace
    if (Object.hasOwn(decoded.header, 'crit')) return fail('token_malformed', CRIT_DETAIL);
    return rotated(previous!.epoch);
  };

  const verify = (token: string, nowMs: number): TokenCheck => {
    if (typeof token !== 'string') return fail('token_malformed', 'The token must be a string.');
    // Before any parsing or hashing. Counting UTF-16 units is enough: any non-ASCII
    // character makes the token malformed anyway.
    if (token.length > MAX_TOKEN_BYTES) {
      return fail('token_malformed', `The token is longer than ${MAX_TOKEN_BYTES} bytes.`);
    }
    let judgement = cache.recall(token, self);
    if (judgement === undefined) {
      judgement = judge(token);
      cache.remember(token, judgement);
    }
    return replay(judgement, nowMs);
  };

  return {
    verify(token, nowMs) {
      try {
        // A NaN clock would pass every time check; fall back to the real one.
        return verify(token, nowMs !== undefined && Number.isFinite(nowMs) ? nowMs : Date.now());
      } catch {
        // Unreachable by design; the guard must still get an answer rather than a 500.
        return fail('token_malformed', 'The token could not be verified.');
      }
    },
  };
}
