/** A signing key in clear, as the widget guard needs it. Never log one. */
export interface SecurityKey {
  readonly epoch: number;
  readonly secret: string;
}

/**
 * Everything the widget guard needs to decide on a request for one project,
 * read in one consistent snapshot. Holds secret keys in clear: never log it,
 * never put it in a response.
 */
export interface ProjectSecurityState {
  /** Canonical (lower-case) project id. */
  readonly projectId: string;
  /** +1 on every change of the security state; compare with `securityVersions()`. */
  readonly securityVersion: number;
  readonly keyEpoch: number;
  readonly requireToken: boolean;
  /** Normalized as saved (normalizeAllowedOrigins of @hissuno/widget-guard); empty = every origin. */
  readonly allowedOrigins: readonly string[];
  readonly maxTokenLifetimeSeconds: number | null;
  readonly keyExposedAt: Date | null;
  /** The key of `keyEpoch`. */
  readonly current: SecurityKey;
  /**
   * The key of `keyEpoch - 1` while its grace period ran at load time. A cached state
   * must still compare `expiresAt` with the clock on every request: once it has passed,
   * treat this key as retired.
   */
  readonly previous: (SecurityKey & { readonly expiresAt: Date }) | null;
  /**
   * Up to RETIRED_KEYS_KEPT earlier keys, newest first, that only prove a token is
   * `token_key_rotated` (the previous key is here once its grace is over).
   */
  readonly retired: readonly SecurityKey[];
}

/** How many retired keys the guard is told about (API.md §6: at least the last 10). */
export const RETIRED_KEYS_KEPT = 10;

/** The project columns the state is built from, as read by one SQL statement. */
export interface SecurityRow {
  id: string;
  securityVersion: number;
  keyEpoch: number;
  requireToken: boolean;
  allowedOrigins: string[];
  maxTokenLifetimeSeconds: number | null;
  keyExposedAt: Date | null;
  previousKeyExpiresAt: Date | null;
}

/** One stored key of the project: `secret` opens it (decrypts) on demand. */
export interface StoredKey {
  epoch: number;
  open(): string;
}

/**
 * Pure assembly of the state from the project row and its newest keys (any order).
 * Throws when the current key is missing: without it no token can be judged, and
 * answering as if the project had no key would be wrong either way.
 */
export function assembleSecurityState(
  row: SecurityRow,
  keys: readonly StoredKey[],
  nowMs: number,
): ProjectSecurityState {
  const byEpochDesc = [...keys].filter((k) => k.epoch <= row.keyEpoch);
  byEpochDesc.sort((a, b) => b.epoch - a.epoch);
  const currentKey = byEpochDesc.find((k) => k.epoch === row.keyEpoch);
  if (!currentKey) {
    throw new Error(`project ${row.id} has no stored key for its epoch ${row.keyEpoch}`);
  }
  const graceRuns = row.previousKeyExpiresAt !== null && row.previousKeyExpiresAt.getTime() > nowMs;
  const previousKey = graceRuns ? byEpochDesc.find((k) => k.epoch === row.keyEpoch - 1) : undefined;
  const retired = byEpochDesc
    .filter((k) => k.epoch < row.keyEpoch && k !== previousKey)
    .slice(0, RETIRED_KEYS_KEPT)
    .map((k) => Object.freeze({ epoch: k.epoch, secret: k.open() }));

  return Object.freeze({
    projectId: row.id,
    securityVersion: row.securityVersion,
    keyEpoch: row.keyEpoch,
    requireToken: row.requireToken,
    allowedOrigins: Object.freeze([...row.allowedOrigins]),
    maxTokenLifetimeSeconds: row.maxTokenLifetimeSeconds,
    keyExposedAt: row.keyExposedAt,
    current: Object.freeze({ epoch: currentKey.epoch, secret: currentKey.open() }),
    previous:
      previousKey && row.previousKeyExpiresAt
        ? Object.freeze({
            epoch: previousKey.epoch,
            secret: previousKey.open(),
            expiresAt: row.previousKeyExpiresAt,
          })
        : null,
    retired: Object.freeze(retired),
  });
}
