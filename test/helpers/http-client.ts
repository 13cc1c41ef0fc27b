import { TEST_PASSWORD, uniqueEmail } from './accounts';

/** One answer of the service, as a plain HTTP client (fetch) sees it. */
export interface Answer {
  status: number;
  headers: Headers;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON of any route
  body: any;
}

/** Calls a running service over loopback; rejects only when no answer came (connection lost). */
export async function call(
  baseUrl: string,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.Authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = text;
  }
  return { status: res.status, headers: res.headers, body };
}

/** Signs up a fresh account on a running service; returns its access token. */
export async function signUpOver(baseUrl: string): Promise<{ accessToken: string; email: string }> {
  const email = uniqueEmail('faults');
  const res = await call(baseUrl, 'POST', '/api/v1/auth/signup', {
    body: { email, password: TEST_PASSWORD },
  });
  if (res.status !== 201) throw new Error(`signup: ${res.status} ${JSON.stringify(res.body)}`);
  return { accessToken: res.body.accessToken, email };
}

/** Creates a project on a running service; returns its id. */
export async function createProjectOver(baseUrl: string, token: string): Promise<string> {
  const res = await call(baseUrl, 'POST', '/api/v1/projects', { token, body: { name: 'faults' } });
  if (res.status !== 201) throw new Error(`project: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.id;
}

/** Polls `check` until it returns something other than undefined/false, or fails at the deadline. */
export async function until<T>(
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 15_000,
  intervalMs = 20,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
