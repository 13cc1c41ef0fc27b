import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const API_KEY_PREFIX = 'hsk_';
/** `hsk_` + 43 base64url characters: 256 random bits (API.md §9). */
const API_KEY_SHAPE = /^hsk_[A-Za-z0-9_-]{43}$/;
export const KEY_PREFIX_LENGTH = 12;

export function generateApiKey(): string {
  return `${API_KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
}

/** Whether a string is shaped like an API key; anything else is refused before any lookup. */
export function isApiKeyShaped(value: string): boolean {
  return API_KEY_SHAPE.test(value);
}

/**
 * SHA-256 of the whole key. A slow password hash would add nothing: the key has 256 random
 * bits, so the digest cannot be reversed or guessed, and it can be looked up by an index.
 */
export function apiKeyDigest(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

export function sameDigest(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * The key sent as `Authorization: Bearer hsk_…`, or null when the header holds no API key
 * (then it is a dashboard access token, or nothing). Only the `hsk_` marker decides which:
 * whatever follows it is judged by `isApiKeyShaped`, never by the JWT strategy.
 */
export function apiKeyFromAuthorization(header: string | undefined): string | null {
  if (!header) return null;
  const match = /^bearer +(hsk_\S*)\s*$/i.exec(header);
  return match ? match[1] : null;
}
