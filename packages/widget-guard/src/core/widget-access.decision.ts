import { timingSafeEqual } from 'node:crypto';
import { findSecretKeys, SECRET_KEY_SHAPE } from './secret-key-scan';
import { secretDigest, type CachedSecurity } from './security-cache';
import type { TokenErrorCode, VerifiedToken } from './token/token-verifier';

/** Who is calling, as the guard established it. `verified` only from a verified token. */
export interface WidgetIdentity {
  verified: boolean;
  userId: string | null;
  userMetadata: Readonly<Record<string, string>> | null;
  /** The epoch of the key that verified the token; null when anonymous. */
  keyEpoch: number | null;
}

/** What is judged: raw header values, no HTTP objects (the diagnostics endpoint reuses it). */
export interface WidgetAccessInput {
  projectId: string;
  /** The `Origin` header as received (absent: undefined or null). */
  origin?: string | null;
  /** The `Authorization` header as received. */
  authorization?: string | null;
  /** The parsed request body, only looked into for leaked secret keys. */
  body?: unknown;
  /** The time the token is judged at; defaults to now. */
  nowMs?: number;
}

export type WidgetCheck = 'project' | 'origin' | 'token';

export type WidgetDenialCode =
  | 'project_not_found'
  | 'service_unavailable'
  | 'origin_not_allowed'
  | 'token_required'
  | 'secret_key_exposed'
  | TokenErrorCode;

export interface WidgetAllowed {
  allowed: true;
  projectId: string;
  origin: string | null;
  outcome: 'verified' | 'anonymous';
  /** The project's setting, so a handler can show it without a query. */
  requireToken: boolean;
  identity: WidgetIdentity;
  keyEpoch: number | null;
  /** The verified token (header, claims, expiry); null when anonymous. */
  token: VerifiedToken | null;
  /** Response headers (CORS). */
  headers: Record<string, string>;
}

export interface WidgetDenied {
  allowed: false;
  status: number;
  code: WidgetDenialCode;
  /** Human sentence saying what to do; never holds a key or the token. */
  message: string;
  /** The check that failed (a 503 counts as the project check). */
  check: WidgetCheck;
  /** Canonical id when the project was found. */
  projectId: string | null;
  origin: string | null;
  /**
   * For token_key_rotated: the retired key's epoch; for the claim failures (token_expired,
   * token_not_yet_valid, token_claims_invalid): the key that verified the signature. For
   * secret_key_exposed with `currentKeyExposed`: the epoch of the exposed (current) key.
   */
  keyEpoch: number | null;
  /** Set when the Authorization header or the body held this project's current secret key. */
  currentKeyExposed?: true;
  headers: Record<string, string>;
}

export type WidgetDecision = WidgetAllowed | WidgetDenied;

export const WIDGET_REALM = 'hissuno-widget';
const SETTINGS = 'Settings > Widget > Security';
const EXPOSED_HEADERS = 'WWW-Authenticate, Retry-After, X-Request-Id';
// What may be echoed in Access-Control-Allow-Origin: a printable, bounded serialized origin.
const ECHOABLE_ORIGIN = /^[\x21-\x7e]{1,300}$/;
const SHOWN_ORIGIN_LENGTH = 120;

const ANONYMOUS: WidgetIdentity = Object.freeze({
  verified: false,
  userId: null,
  userMetadata: null,
  keyEpoch: null,
});

const TOKEN_ADVICE: Record<TokenErrorCode, string> = {
  token_malformed:
    'Send "Authorization: Bearer <widgetToken>" with a JWT your backend signs with HS256.',
  token_signature_invalid: `Sign tokens with this project's current secret key (${SETTINGS}).`,
  token_key_rotated: `Sign new tokens with the project's current secret key (${SETTINGS}).`,
  token_claims_invalid:
    'Fix the claims your backend puts in the token (userId, userMetadata, exp).',
  token_expired: 'Fetch a fresh token from your backend and retry.',
  token_not_yet_valid: 'Check the clock of the server that signs the tokens.',
};

/**
 * CORS headers of an answer given once the origin check passed or failed. The request's
 * Origin is echoed whenever one was sent (also `null`, when the list is empty and so allows
 * every origin; no credentials are ever allowed); without an Origin header the request is
 * not a CORS request and gets no Access-Control-Allow-Origin. `Vary: Origin` always, since
 * the answer depends on it. A 404 gets neither: there is no policy to answer from.
 */
export function corsHeaders(origin: string | null): Record<string, string> {
  if (origin === null || !ECHOABLE_ORIGIN.test(origin)) return { Vary: 'Origin' };
  return {
    'Access-Control-Allow-Origin': origin,
    'Access-Control-Expose-Headers': EXPOSED_HEADERS,
    Vary: 'Origin',
  };
}

function deny(
  status: number,
  code: WidgetDenialCode,
  message: string,
  check: WidgetCheck,
  context: { projectId: string | null; origin: string | null; headers?: Record<string, string> },
  keyEpoch: number | null = null,
): WidgetDenied {
  const { projectId, origin, headers = {} } = context;
  return { allowed: false, status, code, message, check, projectId, origin, keyEpoch, headers };
}

export function projectNotFound(origin: string | null): WidgetDenied {
  return deny(
    404,
    'project_not_found',
    'No widget project has this id; check the projectId your page passes to the widget.',
    'project',
    // No CORS header (an unknown id learns nothing), but caches must still key on Origin.
    { projectId: null, origin, headers: { Vary: 'Origin' } },
  );
}

export function serviceUnavailable(origin: string | null): WidgetDenied {
  return deny(
    503,
    'service_unavailable',
    'The widget security settings cannot be read right now; retry shortly.',
    'project',
    { projectId: null, origin, headers: { 'Retry-After': '5' } },
  );
}

const asHeader = (value: string | null | undefined): string | null =>
  typeof value === 'string' && value !== '' ? value : null;

/** Step 2 (API.md §6): null when the origin passes, else the 403. */
export function checkOrigin(entry: CachedSecurity, origin: string | null): WidgetDenied | null {
  if (entry.originPolicy.allowsAll) return null;
  if (origin !== null && origin !== 'null' && entry.originPolicy.matches(origin)) return null;
  let message: string;
  if (origin === null) {
    message = `This project accepts widget requests only from its allowed origins, and this request has no Origin header; call it from a page on an allowed origin, or allow origins in ${SETTINGS}.`;
  } else if (origin === 'null') {
    message = `This request comes from an opaque origin ("null": a sandboxed frame or a local file), which cannot be allowed; serve the page from an origin listed in ${SETTINGS}.`;
  } else {
    const shown =
      origin.length > SHOWN_ORIGIN_LENGTH ? `${origin.slice(0, SHOWN_ORIGIN_LENGTH)}…` : origin;
    message = `The origin "${shown}" is not allowed for this project; add it to the allowed origins in ${SETTINGS}.`;
  }
  // Echoed even on the refusal, so the widget can read why it must not render (API.md §6).
  const context = { projectId: entry.projectId, origin, headers: corsHeaders(origin) };
  return deny(403, 'origin_not_allowed', message, 'origin', context);
}

function exposesCurrentKey(entry: CachedSecurity, presented: string): boolean {
  return timingSafeEqual(secretDigest(presented), entry.currentKeyDigest);
}

/** Secret-key-shaped strings in the Authorization header or the body; usually none. */
function findLeakedKeys(authorization: string | null, body: unknown): readonly string[] {
  const inHeader = authorization === null ? null : SECRET_KEY_SHAPE.exec(authorization);
  const inBody = findSecretKeys(body);
  return inHeader ? [inHeader[0], ...inBody] : inBody;
}

/** Step 3: the identity, or the 401. */
function checkToken(
  entry: CachedSecurity,
  input: WidgetAccessInput,
  origin: string | null,
): WidgetAllowed | WidgetDenied {
  const headers = corsHeaders(origin);
  const context = { projectId: entry.projectId, origin, headers };
  const authorization = asHeader(input.authorization?.trim());
  const unauthorized = (
    code: WidgetDenialCode,
    message: string,
    keyEpoch: number | null = null,
  ) => {
    const challenge =
      code === 'token_required'
        ? `Bearer realm="${WIDGET_REALM}"`
        : `Bearer realm="${WIDGET_REALM}", error="invalid_token"`;
    const denied = deny(401, code, message, 'token', context, keyEpoch);
    denied.headers = { ...headers, 'WWW-Authenticate': challenge };
    return denied;
  };

  // Before token_required: a leaked key is the more urgent news, wherever it was sent.
  const leaked = findLeakedKeys(authorization, input.body);
  if (leaked.length > 0) {
    const denied = unauthorized(
      'secret_key_exposed',
      `This request carries a secret key, which must never leave your backend: rotate it now in ${SETTINGS}, and send widget tokens signed with the new key instead.`,
    );
    if (leaked.some((key) => exposesCurrentKey(entry, key))) {
      denied.currentKeyExposed = true;
      denied.keyEpoch = entry.keyEpoch;
    }
    return denied;
  }

  if (authorization === null) {
    if (entry.requireToken) {
      return unauthorized(
        'token_required',
        `This project requires a widget token: send "Authorization: Bearer <widgetToken>", signed by your backend with the project's secret key (${SETTINGS}).`,
      );
    }
    const allowed: WidgetAllowed = {
      allowed: true,
      projectId: entry.projectId,
      origin,
      outcome: 'anonymous',
      requireToken: entry.requireToken,
      identity: ANONYMOUS,
      keyEpoch: null,
      token: null,
      headers,
    };
    return allowed;
  }

  const space = authorization.indexOf(' ');
  const scheme = space < 0 ? authorization : authorization.slice(0, space);
  const token = space < 0 ? '' : authorization.slice(space + 1).trimStart();
  const malformedHeader = () =>
    unauthorized(
      'token_malformed',
      `The Authorization header must be "Bearer <widgetToken>". ${TOKEN_ADVICE.token_malformed}`,
    );
  if (scheme.toLowerCase() !== 'bearer' || token === '') return malformedHeader();

  const result = entry.verifier.verify(token, input.nowMs ?? Date.now());
  if (!result.ok) {
    // White space inside the token is the header's fault. Tested only here, off the happy
    // path: such a token is never base64url, so it never verifies.
    if (/\s/.test(token)) return malformedHeader();
    return unauthorized(
      result.code,
      `${result.detail} ${TOKEN_ADVICE[result.code]}`,
      result.keyEpoch ?? null,
    );
  }
  const verified = result.token;
  return {
    allowed: true,
    projectId: entry.projectId,
    origin,
    outcome: 'verified',
    requireToken: entry.requireToken,
    identity: {
      verified: true,
      userId: verified.userId,
      userMetadata: verified.userMetadata,
      keyEpoch: verified.keyEpoch,
    },
    keyEpoch: verified.keyEpoch,
    token: verified,
    headers,
  };
}

/**
 * The guard's rules on one request, given the project's cached entry (null: unknown or
 * deleted). Order (API.md §6): project → origin → token, so that the answer reveals no
 * more than the caller is entitled to: a bad origin learns nothing about tokens, an
 * unknown project nothing about origins.
 */
export function decideWith(entry: CachedSecurity | null, input: WidgetAccessInput): WidgetDecision {
  const origin = asHeader(input.origin);
  if (entry === null) return projectNotFound(origin);
  return checkOrigin(entry, origin) ?? checkToken(entry, input, origin);
}
