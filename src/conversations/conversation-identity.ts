import { AppError, FieldError } from '../common/app-error';

/** Who a widget session belongs to, as stored on it. */
export interface ConversationIdentity {
  /** True only when a valid widget token gave the identity. */
  verified: boolean;
  userId: string | null;
  userMetadata: Record<string, string> | null;
  /** Epoch of the key that verified the token; null when anonymous. */
  keyEpoch: number | null;
}

/** The identity as the widget API shows it. */
export interface IdentityView {
  verified: boolean;
  userId: string | null;
  userMetadata: Record<string, string> | null;
}

export function toIdentityView(identity: ConversationIdentity): IdentityView {
  return {
    verified: identity.verified,
    userId: identity.userId,
    userMetadata: identity.userMetadata,
  };
}

// The same limits as the token's claims (API.md §6), so a client-provided identity is
// never more than a verified one could be.
export const MAX_USER_ID_LENGTH = 255;
export const MAX_METADATA_KEYS = 50;
export const MAX_METADATA_KEY_LENGTH = 64;
export const MAX_METADATA_VALUE_LENGTH = 1024;

/** PostgreSQL text and jsonb cannot hold U+0000: such input must be refused, not a 500. */
export function hasNul(value: string): boolean {
  return value.includes('\u0000');
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

function metadataPath(key: string): string {
  return IDENTIFIER.test(key) ? `userMetadata.${key}` : `userMetadata[${JSON.stringify(key)}]`;
}

/** Problems of a client-sent userId (`null`/absent is fine: no name). */
export function userIdErrors(userId: unknown, field = 'userId'): FieldError[] {
  if (userId === undefined || userId === null) return [];
  if (
    typeof userId !== 'string' ||
    userId.length === 0 ||
    userId.length > MAX_USER_ID_LENGTH ||
    hasNul(userId)
  ) {
    return [
      {
        field,
        message: `must be a string of 1 to ${MAX_USER_ID_LENGTH} characters (no NUL characters)`,
      },
    ];
  }
  return [];
}

/** Problems of a client-sent userMetadata, one per bad entry (`null`/absent is fine). */
export function userMetadataErrors(metadata: unknown): FieldError[] {
  if (metadata === undefined || metadata === null) return [];
  if (typeof metadata !== 'object' || Array.isArray(metadata)) {
    return [{ field: 'userMetadata', message: 'must be an object of string values' }];
  }
  const entries = Object.entries(metadata as Record<string, unknown>);
  if (entries.length > MAX_METADATA_KEYS) {
    return [{ field: 'userMetadata', message: `must have at most ${MAX_METADATA_KEYS} keys` }];
  }
  const errors: FieldError[] = [];
  for (const [key, value] of entries) {
    if (key.length > MAX_METADATA_KEY_LENGTH || hasNul(key)) {
      errors.push({
        field: 'userMetadata',
        message: `keys must be at most ${MAX_METADATA_KEY_LENGTH} characters (no NUL characters); "${key.slice(0, 20)}…" is not`,
      });
    } else if (
      typeof value !== 'string' ||
      value.length > MAX_METADATA_VALUE_LENGTH ||
      hasNul(value)
    ) {
      errors.push({
        field: metadataPath(key),
        message: `must be a string of at most ${MAX_METADATA_VALUE_LENGTH} characters (no NUL characters)`,
      });
    }
  }
  return errors;
}

/**
 * The identity of a caller without a token: whatever the client says, marked unverified.
 * Held to the token's limits; anything else is 400 validation_failed.
 */
export function anonymousIdentity(userId: unknown, userMetadata: unknown): ConversationIdentity {
  const errors = [...userIdErrors(userId), ...userMetadataErrors(userMetadata)];
  if (errors.length > 0) throw AppError.validation(errors);
  return {
    verified: false,
    userId: (userId as string | null | undefined) ?? null,
    userMetadata: (userMetadata as Record<string, string> | null | undefined) ?? null,
    keyEpoch: null,
  };
}

/** Whether an identity (a verified one included) can be stored as it is. */
export function isStorable(identity: ConversationIdentity): boolean {
  if (identity.userId !== null && hasNul(identity.userId)) return false;
  return Object.entries(identity.userMetadata ?? {}).every(
    ([key, value]) => !hasNul(key) && !hasNul(value),
  );
}
