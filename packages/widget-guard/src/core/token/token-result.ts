import type { TokenFailure } from './token-errors';

// What a verification answers. Its own file, so that the claims check and the verifier both
// depend on it and not on each other.

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
