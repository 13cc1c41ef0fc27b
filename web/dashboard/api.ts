/** The admin API (API.md §1-§5) as the dashboard page calls it: same origin, bearer token. */

export interface User {
  id: string;
  email: string;
  name: string | null;
}

export interface Project {
  id: string;
  name: string;
  role: 'owner' | 'admin' | 'viewer';
}

export interface WidgetSecurity {
  requireToken: boolean;
  allowedOrigins: string[];
  keyEpoch: number;
  secretKeyHint: string;
  keyRotatedAt: string | null;
  previousKeyExpiresAt: string | null;
  updatedAt: string;
}

export interface SecretKey {
  secretKey: string;
  keyEpoch: number;
}

export interface RotatedKey extends SecretKey {
  rotatedAt: string;
  previousKeyExpiresAt: string | null;
}

export interface AuditEntry {
  id: string;
  at: string;
  actor: { userId: string | null; email: string | null };
  action: string;
  details: Record<string, unknown>;
}

export interface Session {
  id: string;
  createdAt: string;
  lastActivityAt: string;
  origin: string | null;
  pageUrl: string | null;
  messageCount: number;
  visitor: {
    kind: 'identified' | 'anonymous';
    userId: string | null;
    userMetadata: Record<string, string> | null;
  };
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface FieldError {
  field: string;
  message: string;
}

/** An error answer of the API (API.md §0), or a network failure (status 0). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly errors: FieldError[] = [],
  ) {
    super(message);
  }
}

const TOKEN_KEY = 'hissuno.dashboard.accessToken';

/** The access token lives in sessionStorage: one tab, gone when it closes. */
export const accessToken = {
  get: (): string | null => sessionStorage.getItem(TOKEN_KEY),
  set: (token: string): void => sessionStorage.setItem(TOKEN_KEY, token),
  clear: (): void => sessionStorage.removeItem(TOKEN_KEY),
};

let onSignedOut: () => void = () => undefined;

/** What to do when the API says the access token is no longer good (expired, revoked). */
export function whenSignedOut(handler: () => void): void {
  onSignedOut = handler;
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = {};
  const token = accessToken.get();
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(`/api/v1${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, 'network_error', 'The service cannot be reached; check your connection.');
  }
  if (res.status === 204) return undefined as T;
  const data = (await res.json().catch(() => null)) as Record<string, unknown> | null;
  if (res.ok) return data as T;
  const error = new ApiError(
    res.status,
    typeof data?.code === 'string' ? data.code : `http_${res.status}`,
    typeof data?.message === 'string' ? data.message : `The service answered HTTP ${res.status}.`,
    Array.isArray(data?.errors) ? (data.errors as FieldError[]) : [],
  );
  if (res.status === 401 && error.code === 'unauthorized' && token) {
    accessToken.clear();
    onSignedOut();
  }
  throw error;
}

export const projectPath = (project: Project, rest = ''): string =>
  `/projects/${encodeURIComponent(project.id)}${rest}`;
