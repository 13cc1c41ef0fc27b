import type { ApiKeyRole } from './api-key.entity';

/** The OpenAPI security scheme name of API keys (`Authorization: Bearer hsk_…`). */
export const API_KEY_SECURITY = 'apiKey';

/** An authenticated API key, as the dashboard guard attaches it to the request. */
export interface ApiKeyPrincipal {
  id: string;
  name: string;
  projectId: string;
  role: ApiKeyRole;
}
