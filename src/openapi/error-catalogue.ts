/**
 * Which error answers (status → possible `code`s, API.md §0-§9) each operation can give. The
 * document lists them as enums, and the e2e suites check every answer they receive against
 * it (test/helpers/openapi-contract.ts), so a code missing here fails a test.
 */
export type ErrorTable = Record<number, string[]>;

export const WIDGET_TOKEN_CODES = [
  'token_required',
  'token_malformed',
  'token_signature_invalid',
  'token_key_rotated',
  'token_claims_invalid',
  'token_expired',
  'token_not_yet_valid',
  'secret_key_exposed',
];

/** Codes a route answers beyond the ones of its kind, by `METHOD /path` (OpenAPI form). */
const SPECIFIC: Record<string, ErrorTable> = {
  'POST /api/v1/auth/signup': { 403: ['signup_disabled'], 409: ['email_taken'] },
  'POST /api/v1/auth/login': { 401: ['invalid_credentials'] },
  'POST /api/v1/auth/password': { 401: ['invalid_credentials'] },
  'POST /api/v1/projects': { 429: ['quota_exceeded'] },
  'POST /api/v1/projects/{projectId}/members': {
    404: ['user_not_found'],
    409: ['already_member'],
  },
  'PATCH /api/v1/projects/{projectId}/members/{userId}': {
    404: ['member_not_found'],
    409: ['owner_immutable'],
  },
  'DELETE /api/v1/projects/{projectId}/members/{userId}': {
    404: ['member_not_found'],
    409: ['owner_immutable'],
  },
  'POST /api/v1/projects/{projectId}/widget/secret-key/rotate': { 429: ['quota_exceeded'] },
  'POST /api/v1/projects/{projectId}/api-keys': { 429: ['quota_exceeded'] },
  'DELETE /api/v1/projects/{projectId}/api-keys/{apiKeyId}': { 404: ['api_key_not_found'] },
};

function add(table: ErrorTable, status: number, ...codes: string[]): void {
  const list = (table[status] ??= []);
  for (const code of codes) if (!list.includes(code)) list.push(code);
}

export interface OperationFacts {
  method: string;
  path: string;
  hasBody: boolean;
  /** Any path or query parameter (each is validated: 400 validation_failed). */
  hasParams: boolean;
  /** Needs a dashboard access token (or an API key). */
  protected: boolean;
}

/** The error answers of one operation. */
export function errorsOf(op: OperationFacts): ErrorTable {
  const table: ErrorTable = {};
  const { method, path } = op;
  const widget = path.startsWith('/api/v1/widget/');
  // Malformed percent-encoding in the path is refused before routing (bad_request).
  add(table, 400, 'bad_request');
  if (op.hasBody) {
    add(table, 400, 'validation_failed', 'invalid_json');
    add(table, 413, 'payload_too_large');
    add(table, 415, 'unsupported_media_type');
  }
  if (op.hasParams) add(table, 400, 'validation_failed');
  if (path === '/health') {
    add(table, 503, 'service_unavailable');
    return table;
  }
  if (method === 'OPTIONS') {
    add(table, 403, 'origin_not_allowed');
    add(table, 404, 'project_not_found');
    add(table, 429, 'rate_limited');
    add(table, 503, 'service_unavailable');
    return table;
  }
  add(table, 503, 'service_unavailable');
  if (path.startsWith('/api/v1/auth/') || widget) add(table, 429, 'rate_limited');
  if (op.protected) {
    add(table, 401, 'unauthorized');
    add(table, 429, 'rate_limited');
  }
  if (path.startsWith('/api/v1/projects/{projectId}')) {
    add(table, 404, 'project_not_found');
    add(table, 403, 'forbidden');
  }
  if (path.includes('/sessions/{sessionId}')) add(table, 404, 'session_not_found');
  if (widget) {
    add(table, 404, 'project_not_found');
    add(table, 403, 'origin_not_allowed');
    add(table, 401, ...WIDGET_TOKEN_CODES);
  }
  for (const [status, codes] of Object.entries(SPECIFIC[`${method} ${path}`] ?? {})) {
    add(table, Number(status), ...codes);
  }
  return table;
}
