/** Examples of the main operations (checked against their schemas by `redocly lint`). */
const USER = {
  id: '5b0c6f7e-2f7a-4c5e-9a4b-1d2e3f4a5b6c',
  email: 'ada@example.com',
  name: 'Ada Lovelace',
  createdAt: '2026-11-23T10:00:00.000Z',
};
const AUTH = { user: USER, accessToken: 'eyJhbGciOiJIUzI1NiJ9.e30.c2lnbmF0dXJl', expiresIn: 3600 };
const SECURITY = {
  requireToken: true,
  allowedOrigins: ['https://myapp.com', '*.myapp.com'],
  keyEpoch: 3,
  secretKeyHint: 'sk_live_…Xy9Q',
  keyRotatedAt: '2026-11-23T10:00:00.000Z',
  previousKeyExpiresAt: null,
  maxTokenLifetimeSeconds: null,
  keyExposedAt: null,
  updatedAt: '2026-11-23T10:00:00.000Z',
};
const IDENTITY = { verified: true, userId: 'user-42', userMetadata: { plan: 'pro' } };
const PROJECT_ID = '0f8fad5b-d9cb-469f-a165-70867728950e';

export const EXAMPLES: Record<string, { request?: unknown; responses?: Record<string, unknown> }> =
  {
    'POST /api/v1/auth/signup': {
      request: {
        email: 'ada@example.com',
        password: 'correct horse battery',
        name: 'Ada Lovelace',
      },
      responses: { 201: AUTH },
    },
    'POST /api/v1/auth/login': {
      request: { email: 'ada@example.com', password: 'correct horse battery' },
      responses: { 200: AUTH },
    },
    'GET /api/v1/projects/{projectId}/widget/security': { responses: { 200: SECURITY } },
    'PATCH /api/v1/projects/{projectId}/widget/security': {
      request: { requireToken: true, allowedOrigins: ['https://myapp.com', '*.myapp.com'] },
      responses: { 200: SECURITY },
    },
    'POST /api/v1/projects/{projectId}/widget/secret-key/rotate': {
      request: { gracePeriodSeconds: 3600 },
      responses: {
        200: {
          secretKey: 'sk_live_' + 'A'.repeat(43),
          keyEpoch: 4,
          rotatedAt: '2026-11-23T10:00:00.000Z',
          previousKeyExpiresAt: '2026-11-23T11:00:00.000Z',
        },
      },
    },
    'POST /api/v1/projects/{projectId}/widget/security/diagnose': {
      request: { origin: 'https://evil.example' },
      responses: {
        200: {
          decision: 'deny',
          code: 'origin_not_allowed',
          checks: [
            { check: 'project', outcome: 'pass', detail: 'The project exists.' },
            {
              check: 'origin',
              outcome: 'fail',
              code: 'origin_not_allowed',
              detail: 'https://evil.example is not in the allowed origins.',
            },
            { check: 'token', outcome: 'skipped', detail: 'Not reached.' },
          ],
          identity: null,
          token: null,
        },
      },
    },
    'GET /api/v1/widget/{projectId}/config': {
      responses: { 200: { projectId: PROJECT_ID, requireToken: true, identity: IDENTITY } },
    },
    'POST /api/v1/widget/{projectId}/sessions': {
      request: { pageUrl: 'https://myapp.com/pricing', pageTitle: 'Pricing' },
      responses: { 201: { sessionId: '9d7a1c3e-5b2f-4e8a-b6c4-2f1e0d9c8b7a', identity: IDENTITY } },
    },
  };
