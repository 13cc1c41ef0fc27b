import { createHmac, createSecretKey, timingSafeEqual } from 'node:crypto';

const encode = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
const HEADER = encode({ alg: 'HS256', typ: 'JWT' });

/** A widget token as the seed's snippets make it: HS256 over the whole sk_live_… string. */
export function mintToken(secret: string, userId: string, lifetimeSeconds = 86_400): string {
  const iat = Math.floor(Date.now() / 1000);
  const input = `${HEADER}.${encode({ userId, userMetadata: { plan: 'pro' }, iat, exp: iat + lifetimeSeconds })}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

/**
 * The floor any HS256 verifier pays: one HMAC under a prepared KeyObject, a constant-time
 * compare, and the base64url/JSON decode of header and payload. No claim checks, no cache.
 */
export function hmacFloor(secret: string): (token: string) => Record<string, unknown> {
  const key = createSecretKey(Buffer.from(secret, 'utf8'));
  return (token) => {
    const first = token.indexOf('.');
    const second = token.indexOf('.', first + 1);
    const mac = createHmac('sha256', key).update(token.slice(0, second)).digest();
    const signature = Buffer.from(token.slice(second + 1), 'base64url');
    if (signature.length !== mac.length || !timingSafeEqual(signature, mac)) {
      throw new Error('bad signature');
    }
    const header = JSON.parse(Buffer.from(token.slice(0, first), 'base64url').toString('utf8'));
    const payload = JSON.parse(
      Buffer.from(token.slice(first + 1, second), 'base64url').toString('utf8'),
    );
    return { header, payload };
  };
}
