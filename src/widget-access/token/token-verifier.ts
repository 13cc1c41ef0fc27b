import { createDecoder, createVerifier, TokenError } from 'fast-jwt';
import { checkClaims, type ClaimPolicy } from './token-claims';
import { fail, type TokenFailure } from './token-errors';

export type { TokenErrorCode, TokenFailure } from './token-errors';

export const MAX_TOKEN_BYTES = 8192;
const DEFAULT_CLOCK_SKEW_SECONDS = 60;
// fast-jwt's verified-token cache, per verifier and hence per key epoch. With the time checks
// off in fast-jwt (see below) every cached outcome is time-independent, so errors are cached
// too; exp/nbf/iat are still checked against nowMs on every call, cache hit or not.
const CACHE_SIZE = 1000;
const CACHE_TTL_MS = 10 * 60_000;
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

export interface VerifiedToken {
  userId: string;
  userMetadata: Readonly<Record<string, string>> | null;
  keyEpoch: number;
  /** Frozen: the same objects are handed out again on a cache hit. */
  header: Readonly<Record<string, unknown>>;
  claims: Readonly<Record<string, unknown>>;
  expiresAtMs: number;
}

export type TokenCheck = { ok: true; token: VerifiedToken } | TokenFailure;

export interface TokenVerifier {
  /** Never throws. `nowMs` defaults to Date.now(). */
  verify(token: string, nowMs?: number): TokenCheck;
}

export interface TokenVerifierOptions {
  maxTokenLifetimeSeconds?: number | null;
  clockSkewSeconds?: number;
}

type Json = Record<string, unknown>;
type Decoded = { header: Json; payload: Json };
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

function buildHs256(key: SigningKey, cache: boolean): Hs256 {
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
    cache: cache ? CACHE_SIZE : false,
    cacheTTL: CACHE_TTL_MS,
    errorCacheTTL: CACHE_TTL_MS,
  }) as Hs256;
}

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
 * for every request: the HMAC keys and fast-jwt's cache live inside, so a rotation (new
 * object) leaves nothing verified under an old key behind.
 */
export function createTokenVerifier(
  keys: ProjectSigningKeys,
  options: TokenVerifierOptions = {},
): TokenVerifier {
  const skewSeconds = options.clockSkewSeconds ?? DEFAULT_CLOCK_SKEW_SECONDS;
  const maxLifetimeSeconds = options.maxTokenLifetimeSeconds ?? null;
  assertOptions(skewSeconds, maxLifetimeSeconds, keys);
  const policy: ClaimPolicy = { skewMs: skewSeconds * 1000, maxLifetimeSeconds };
  const current = { epoch: keys.current.epoch, verify: buildHs256(keys.current, true) };
  const previous = keys.previous && {
    epoch: keys.previous.epoch,
    expiresAtMs: keys.previous.expiresAtMs,
    verify: buildHs256(keys.previous, true), // hot during the grace period
  };
  const retired = keys.retired.map((key) => ({ epoch: key.epoch, verify: buildHs256(key, false) }));

  const accept = ({ header, payload }: Decoded, epoch: number, nowMs: number): TokenCheck => {
    // fast-jwt only rejects a truthy crit; the contract rejects any crit.
    if (Object.hasOwn(header, 'crit')) return fail('token_malformed', CRIT_DETAIL);
    deepFreeze(header);
    deepFreeze(payload);
    return checkClaims(header, payload, epoch, nowMs, policy);
  };

  const rotated = (epoch: number): TokenFailure =>
    fail(
      'token_key_rotated',
      `The token is signed with a secret key that was retired by a rotation (key epoch ${epoch}).`,
      epoch,
    );

  // Failure path only: the current key did not match a token that decoded fine.
  const afterMismatch = (token: string, nowMs: number): TokenCheck => {
    // fast-jwt reports a non-base64url signature as a bad signature: malformed by contract.
    if (!BASE64URL.test(token.slice(token.lastIndexOf('.') + 1))) {
      return fail('token_malformed', MALFORMED_DETAIL);
    }
    const byPrevious = previous && attempt(previous.verify, token);
    if (previous && byPrevious && nowMs <= previous.expiresAtMs) {
      return accept(byPrevious, previous.epoch, nowMs); // grace period; accept() checks crit
    }
    // fast-jwt checks crit only after the signature; a crit header is malformed, whatever key.
    if (Object.hasOwn(decodeUnverified(token).header, 'crit')) {
      return fail('token_malformed', CRIT_DETAIL);
    }
    if (previous && byPrevious) return rotated(previous.epoch);
    for (const key of retired) {
      if (attempt(key.verify, token)) return rotated(key.epoch);
    }
    return fail(
      'token_signature_invalid',
      'The token signature does not match any secret key of this project.',
    );
  };

  const verify = (token: string, nowMs: number): TokenCheck => {
    if (typeof token !== 'string') return fail('token_malformed', 'The token must be a string.');
    // Before any parsing or hashing. Counting UTF-16 units is enough: any non-ASCII
    // character makes the token malformed anyway.
    if (token.length > MAX_TOKEN_BYTES) {
      return fail('token_malformed', `The token is longer than ${MAX_TOKEN_BYTES} bytes.`);
    }
    let decoded: Decoded;
    try {
      decoded = current.verify(token); // happy path: one HMAC, or a cache hit
    } catch (error) {
      const code = error instanceof TokenError ? error.code : undefined;
      if (code === codes.invalidSignature) return afterMismatch(token, nowMs);
      return fail('token_malformed', (code && FAST_JWT_DETAILS[code]) || MALFORMED_DETAIL);
    }
    return accept(decoded, current.epoch, nowMs);
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
