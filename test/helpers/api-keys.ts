import { bearer, type Http } from './accounts';

export interface ApiKeyBody {
  id: string;
  name: string;
  role: 'admin' | 'viewer';
  keyPrefix: string;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  createdBy: { userId: string | null; email: string | null };
}

export interface CreatedApiKey extends ApiKeyBody {
  key: string;
}

export const apiKeysUrl = (projectId: string, apiKeyId = ''): string =>
  `/api/v1/projects/${projectId}/api-keys${apiKeyId ? `/${apiKeyId}` : ''}`;

/** Creates an API key through the API (a user's access token) and returns it with its key. */
export async function createApiKey(
  http: Http,
  accessToken: string,
  projectId: string,
  body: { name?: string; role?: 'admin' | 'viewer'; expiresInDays?: number | null } = {},
): Promise<CreatedApiKey> {
  const res = await http
    .post(apiKeysUrl(projectId))
    .set(bearer(accessToken))
    .send({ name: 'test key', role: 'admin', ...body });
  if (res.status !== 201) throw new Error(`createApiKey: ${res.status} ${res.text}`);
  return res.body;
}

export async function revokeApiKey(
  http: Http,
  accessToken: string,
  projectId: string,
  apiKeyId: string,
): Promise<void> {
  const res = await http.delete(apiKeysUrl(projectId, apiKeyId)).set(bearer(accessToken));
  if (res.status !== 204) throw new Error(`revokeApiKey: ${res.status} ${res.text}`);
}
