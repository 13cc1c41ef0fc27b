import { fail as failWith, type TokenErrorCode } from './token-errors';
import type { TokenCheck } from './token-result';

const MAX_USER_ID_LENGTH = 255;
const MAX_METADATA_KEYS = 50;
const MAX_METADATA_KEY_LENGTH = 64;
const MAX_METADATA_VALUE_LENGTH = 1024;

type Json = Record<string, unknown>;

export interface ClaimPolicy {
  skewMs: number;
  maxLifetimeSeconds: number | null;
}

// JSON.parse turns 1e999 into Infinity: such an exp must not mean "never expires".
const isTime = (value: unknown): value is number =>
  typeof value === 'number' && Number.isFinite(value);

const seconds = (ms: number): string => `${Math.round(ms / 1000)} s`;

/**
 * Checks the claims of a token whose signature is ALREADY verified, in the order of the
 * contract table: exp type, expiry, nbf/iat, userId/userMetadata, lifetime cap.
 */
export function checkClaims(
  header: Json,
  payload: Json,
  keyEpoch: number,
  nowMs: number,
  policy: ClaimPolicy,
): TokenCheck {
  const { exp, userId, userMetadata } = payload;
  // Every failure names the key that verified the signature (diagnose shows it, API.md §8).
  const fail = (code: TokenErrorCode, detail: string) => failWith(code, detail, keyEpoch);
  if (!isTime(exp)) {
    return fail('token_claims_invalid', 'The exp claim is missing or is not a number.');
  }
  if (nowMs > exp * 1000 + policy.skewMs) {
    return fail('token_expired', `The token expired ${seconds(nowMs - exp * 1000)} ago.`);
  }
  for (const name of ['nbf', 'iat'] as const) {
    if (!Object.hasOwn(payload, name)) continue;
    const value = payload[name];
    if (!isTime(value)) {
      return fail('token_claims_invalid', `The ${name} claim is not a number.`);
    }
    if (value * 1000 > nowMs + policy.skewMs) {
      const ahead = seconds(value * 1000 - nowMs);
      return fail('token_not_yet_valid', `The ${name} claim lies ${ahead} in the future.`);
    }
  }
  if (
    typeof userId !== 'string' ||
    userId.length === 0 ||
    userId.length > MAX_USER_ID_LENGTH ||
    !isStorableText(userId)
  ) {
    return fail(
      'token_claims_invalid',
      `The userId claim must be a non-empty string of at most ${MAX_USER_ID_LENGTH} characters, without NUL characters or lone surrogates.`,
    );
  }
  // null is treated like an absent userMetadata (PyJWT serialises None as null).
  const metadataProblem = userMetadata == null ? null : checkMetadata(userMetadata);
  if (metadataProblem) return fail('token_claims_invalid', metadataProblem);
  if (policy.maxLifetimeSeconds !== null) {
    const issuedAt = isTime(payload.iat) ? payload.iat : nowMs / 1000;
    if (exp - issuedAt > policy.maxLifetimeSeconds) {
      return fail(
        'token_claims_invalid',
        `The token lifetime exceeds this project's maximum of ${policy.maxLifetimeSeconds} s.`,
      );
    }
  }
  return {
    ok: true,
    token: {
      userId,
      userMetadata: (userMetadata ?? null) as Record<string, string> | null,
      keyEpoch,
      header,
      claims: payload,
      expiresAtMs: exp * 1000,
    },
  };
}

/**
 * Text a database can store: PostgreSQL text and jsonb hold neither U+0000 nor half of a
 * UTF-16 surrogate pair, both of which JSON can carry (`"\u0000"`, `"\ud800"`). A signed
 * token with such a claim is still an invalid token (401), never a 400 or a 500 later.
 */
function isStorableText(text: string): boolean {
  return !text.includes('\u0000') && text.isWellFormed();
}

function checkMetadata(metadata: unknown): string | null {
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
    return 'The userMetadata claim must be an object of string values.';
  }
  const keys = Object.keys(metadata);
  if (keys.length > MAX_METADATA_KEYS) {
    return `The userMetadata claim has more than ${MAX_METADATA_KEYS} keys.`;
  }
  for (const key of keys) {
    const value = (metadata as Json)[key];
    if (key.length > MAX_METADATA_KEY_LENGTH) {
      return `A userMetadata key is longer than ${MAX_METADATA_KEY_LENGTH} characters.`;
    }
    if (typeof value !== 'string') {
      return 'The userMetadata claim must be an object of string values.';
    }
    if (!isStorableText(key) || !isStorableText(value)) {
      return 'A userMetadata key or value holds a NUL character or a lone surrogate.';
    }
    if (value.length > MAX_METADATA_VALUE_LENGTH) {
      return `A userMetadata value is longer than ${MAX_METADATA_VALUE_LENGTH} characters.`;
    }
  }
  return null;
}
