import { createDecoder } from 'fast-jwt';
import { SECRET_KEY_SHAPE } from './secret-key-scan';
import { MAX_TOKEN_BYTES } from './token/token-verifier';
import type { WidgetCheck, WidgetDecision, WidgetDenialCode } from './widget-access.decision';

/** What the diagnostics endpoint judges: what a widget request would send. */
export interface WidgetDiagnosisInput {
  projectId: string;
  /** As the `Origin` header would carry it; absent: no Origin header. */
  origin?: string | null;
  /** As `Authorization: Bearer <token>` would carry it; absent: no Authorization header. */
  token?: string | null;
  nowMs?: number;
}

export interface WidgetCheckTrace {
  check: WidgetCheck;
  outcome: 'pass' | 'fail' | 'skipped';
  /** The error code of a failed check. */
  code?: WidgetDenialCode;
  /** Human sentence; never holds a key. */
  detail: string;
}

/** The token as the caller sent it, for display. Never used to decide anything. */
export interface WidgetTokenView {
  header: Record<string, unknown>;
  claims: Record<string, unknown>;
  expiresAt: Date | null;
  /** The key that verified it, or the retired key it matched; else null. */
  keyEpoch: number | null;
}

export interface WidgetDiagnosis {
  /** Exactly what the guard decides on the same inputs. */
  decision: WidgetDecision;
  /** One entry per check, in the guard's order. */
  checks: WidgetCheckTrace[];
  token: WidgetTokenView | null;
}

const ORDER: readonly WidgetCheck[] = ['project', 'origin', 'token'];
const MAX_SHOWN_DEPTH = 16;
const SHOWN_ORIGIN_LENGTH = 120;
const SECRET_KEY_SHAPE_ALL = new RegExp(SECRET_KEY_SHAPE.source, 'g');
const REDACTED = '[secret key removed]';
const decodeForDisplay = createDecoder({ complete: true }) as (token: string) => {
  header: unknown;
  payload: unknown;
};

/** The Authorization header a widget request carrying `token` would send. */
export function authorizationOf(token: string | null | undefined): string | undefined {
  return typeof token === 'string' ? `Bearer ${token}` : undefined;
}

/**
 * Explains a decision of the guard check by check. It only reads the decision (the checks
 * before the one that failed passed, those after it did not run): no rule is judged here.
 */
export function explainDecision(
  decision: WidgetDecision,
  context: { origin: string | null; allowsAllOrigins: boolean | null; token: string | null },
): WidgetDiagnosis {
  const failedAt = decision.allowed ? ORDER.length : ORDER.indexOf(decision.check);
  const checks = ORDER.map((check, index): WidgetCheckTrace => {
    if (index < failedAt)
      return { check, outcome: 'pass', detail: passed(check, decision, context) };
    if (index > failedAt || decision.allowed) {
      return {
        check,
        outcome: 'skipped',
        detail: `Not checked: the ${ORDER[failedAt]} check failed.`,
      };
    }
    return { check, outcome: 'fail', code: decision.code, detail: decision.message };
  });
  return { decision, checks, token: tokenView(decision, context.token) };
}

function passed(
  check: WidgetCheck,
  decision: WidgetDecision,
  context: { origin: string | null; allowsAllOrigins: boolean | null },
): string {
  if (check === 'project') return 'The project exists and its security settings were read.';
  if (check === 'origin') {
    if (context.allowsAllOrigins) {
      return 'The allowed-origins list is empty, so every origin is allowed (development mode).';
    }
    const origin = context.origin ?? '';
    const shown =
      origin.length > SHOWN_ORIGIN_LENGTH ? `${origin.slice(0, SHOWN_ORIGIN_LENGTH)}…` : origin;
    return `The origin "${shown}" matches the allowed origins.`;
  }
  if (decision.allowed && decision.outcome === 'verified') {
    return `The token is signed with the secret key of epoch ${decision.keyEpoch} and its claims are valid; the identity is verified.`;
  }
  return 'No token was sent and this project does not require one: the caller is anonymous (unverified identity).';
}

/** Refusals of a token whose signature matched a key of the project: that key is named. */
const SIGNED_FAILURES: ReadonlySet<string> = new Set([
  'token_key_rotated',
  'token_expired',
  'token_not_yet_valid',
  'token_claims_invalid',
]);

function tokenView(decision: WidgetDecision, token: string | null): WidgetTokenView | null {
  if (decision.allowed && decision.token !== null) {
    const { header, claims, expiresAtMs } = decision.token;
    return {
      header: shown(header, 0) as Record<string, unknown>,
      claims: shown(claims, 0) as Record<string, unknown>,
      expiresAt: dateOf(expiresAtMs),
      keyEpoch: decision.keyEpoch,
    };
  }
  // Nothing is shown of a secret key, nor of what could not be a token anyway.
  if (token === null || token.length > MAX_TOKEN_BYTES || SECRET_KEY_SHAPE.test(token)) {
    return null;
  }
  let decoded: { header: unknown; payload: unknown };
  try {
    decoded = decodeForDisplay(token.trim());
  } catch {
    return null;
  }
  if (!isObject(decoded.header) || !isObject(decoded.payload)) return null;
  const exp = decoded.payload.exp;
  return {
    header: shown(decoded.header, 0) as Record<string, unknown>,
    claims: shown(decoded.payload, 0) as Record<string, unknown>,
    expiresAt: typeof exp === 'number' ? dateOf(exp * 1000) : null,
    keyEpoch: !decision.allowed && SIGNED_FAILURES.has(decision.code) ? decision.keyEpoch : null,
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function dateOf(ms: number): Date | null {
  const date = new Date(ms);
  return Number.isFinite(date.getTime()) ? date : null;
}

/** A plain copy for JSON, with key-shaped strings removed and deep nesting cut. */
function shown(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return value.replace(SECRET_KEY_SHAPE_ALL, REDACTED);
  if (typeof value !== 'object' || value === null) return value;
  if (depth >= MAX_SHOWN_DEPTH) return '[nested too deep]';
  if (Array.isArray(value)) return value.map((item) => shown(item, depth + 1));
  const copy: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    // defineProperty: a "__proto__" claim stays a plain property.
    Object.defineProperty(copy, key.replace(SECRET_KEY_SHAPE_ALL, REDACTED), {
      value: shown(child, depth + 1),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return copy;
}
