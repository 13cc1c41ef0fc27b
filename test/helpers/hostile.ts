import fc from 'fast-check';
import type { TestApp } from './test-app';

/** Every error code the contract names (API.md §0–§8), plus the filter's generic ones. */
export const CONTRACT_CODES = new Set([
  'validation_failed',
  'invalid_json',
  'payload_too_large',
  'unsupported_media_type',
  'rate_limited',
  'service_unavailable',
  'unauthorized',
  'invalid_credentials',
  'email_taken',
  'signup_disabled',
  'project_not_found',
  'forbidden',
  'user_not_found',
  'member_not_found',
  'already_member',
  'owner_immutable',
  'session_not_found',
  'origin_not_allowed',
  'token_required',
  'token_malformed',
  'token_signature_invalid',
  'token_key_rotated',
  'token_claims_invalid',
  'token_expired',
  'token_not_yet_valid',
  'secret_key_exposed',
  'not_found',
  'method_not_allowed',
  'bad_request',
  'not_acceptable',
]);

/** The answers a token can get from the widget guard once project and origin passed. */
export const TOKEN_CODES = new Set([
  'token_required',
  'token_malformed',
  'token_signature_invalid',
  'token_key_rotated',
  'token_claims_invalid',
  'token_expired',
  'token_not_yet_valid',
  'secret_key_exposed',
]);

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON of any route
  body: any;
  text: string;
}

/** No request may take longer than this: a hang fails the property, not the whole run. */
const DEADLINE_MS = 5_000;

/**
 * One request through the whole Fastify app (routing, body parsing, hooks, Nest), without a
 * socket, so that any header value or body the app could receive can be sent.
 */
export async function send(
  app: TestApp,
  request: {
    method: string;
    url: string;
    headers?: Record<string, string>;
    payload?: string | Buffer;
    remoteAddress?: string;
  },
): Promise<Reply> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(new Error(`no answer within ${DEADLINE_MS} ms: ${request.method} ${request.url}`)),
      DEADLINE_MS,
    );
  });
  try {
    const res = await Promise.race([
      app.app.inject({
        method: request.method as 'GET',
        url: request.url,
        headers: request.headers,
        payload: request.payload,
        remoteAddress: request.remoteAddress,
      }),
      deadline,
    ]);
    let body: unknown = null;
    try {
      body = res.body ? JSON.parse(res.body) : null;
    } catch {
      body = res.body;
    }
    return { status: res.statusCode, headers: res.headers, body, text: res.body };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The contract's promise for any input: never a 5xx, and an error is the API.md §0 body with
 * a code the contract knows and the request id of the answer. Returns a description of what is
 * wrong, or null.
 */
export function contractViolation(reply: Reply): string | null {
  if (reply.status >= 500) return `answered ${reply.status}: ${reply.text.slice(0, 300)}`;
  if (reply.status < 400) return null;
  const body = reply.body as Record<string, unknown> | null;
  if (typeof body !== 'object' || body === null) return `error ${reply.status} without a JSON body`;
  if (body.statusCode !== reply.status)
    return `statusCode ${String(body.statusCode)} ≠ ${reply.status}`;
  if (typeof body.code !== 'string' || !CONTRACT_CODES.has(body.code)) {
    return `unknown code ${String(body.code)}`;
  }
  if (typeof body.message !== 'string' || body.message === '') return 'no message';
  if (body.requestId !== reply.headers['x-request-id']) return 'requestId ≠ X-Request-Id';
  return null;
}

/** Fails with the request and the violation when the reply breaks the contract. */
export function expectContract(reply: Reply, what: string): void {
  const violation = contractViolation(reply);
  if (violation) throw new Error(`${what}: ${violation}`);
}

/** A character HTTP allows in a header value (visible ASCII, space, tab, obs-text). */
const headerChar = fc
  .oneof(
    fc.integer({ min: 0x20, max: 0x7e }),
    fc.constant(0x09),
    fc.integer({ min: 0x80, max: 0xff }),
  )
  .map((code) => String.fromCharCode(code));

/** Any value a header can carry on the wire. */
export const headerValue = (maxLength = 300): fc.Arbitrary<string> =>
  fc.string({ unit: headerChar, maxLength });

/** Strings that break naive code: unicode, controls, look-alikes, injections, huge lengths. */
export const nastyString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    'a\u0000b',
    '\u202e',
    '\ufeff',
    '\u200b',
    '𝓪𝓭𝓶𝓲𝓷',
    'аdmin', // Cyrillic а
    '../../etc/passwd',
    '%00',
    "' OR 1=1 --",
    '${jndi:ldap://127.0.0.1/x}',
    '{{7*7}}',
    '<script>alert(1)</script>',
    '__proto__',
    'constructor',
    'x'.repeat(5000),
    '\ud800',
    'NaN',
    '-0',
  ),
);

/** Any JSON value, weighted toward the shapes that break validators. */
export const hostileJson: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    nastyString,
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.constantFrom(1e308, -1e308, 2 ** 53 + 1, 0.1),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(nastyString, fc.string()), tie('value'), { maxKeys: 4 }),
  ),
})).value;
