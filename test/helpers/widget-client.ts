import { SignJWT } from 'jose';
import jwt from 'jsonwebtoken';
import { createHmac } from 'node:crypto';
import { bearer, type Http } from './accounts';

/** What a widget token carries, as the seed's snippets put it. */
export interface WidgetClaims {
  userId: string;
  userMetadata?: Record<string, string>;
}

/** Exactly the seed's Node.js snippet: jsonwebtoken, HS256, 24 h, the whole key string. */
export function mintToken(secretKey: string, claims: WidgetClaims): string {
  return jwt.sign(claims, secretKey, { algorithm: 'HS256', expiresIn: '24h' });
}

/** The same token from an independent library (jose), with its own defaults. */
export function mintTokenWithJose(secretKey: string, claims: WidgetClaims): Promise<string> {
  return new SignJWT({ ...claims })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuedAt()
    .setExpirationTime('24h')
    .sign(new TextEncoder().encode(secretKey));
}

/** The project's current secret key, as the dashboard reveals it (owner, admin). */
export async function revealSecretKey(
  http: Http,
  accessToken: string,
  projectId: string,
): Promise<string> {
  const res = await http
    .get(`/api/v1/projects/${projectId}/widget/secret-key`)
    .set(bearer(accessToken));
  if (res.status !== 200) throw new Error(`revealSecretKey: ${res.status} ${res.text}`);
  return res.body.secretKey;
}

/** Rotates the key (grace 0 unless told) and returns the new one. */
export async function rotateSecretKey(
  http: Http,
  accessToken: string,
  projectId: string,
  gracePeriodSeconds = 0,
): Promise<string> {
  const res = await http
    .post(`/api/v1/projects/${projectId}/widget/secret-key/rotate`)
    .set(bearer(accessToken))
    .send({ gracePeriodSeconds });
  if (res.status !== 200) throw new Error(`rotateSecretKey: ${res.status} ${res.text}`);
  return res.body.secretKey;
}

/** Changes the project's widget security settings (owner, admin). */
export async function updateWidgetSecurity(
  http: Http,
  accessToken: string,
  projectId: string,
  settings: { requireToken?: boolean; allowedOrigins?: string[] },
): Promise<void> {
  const res = await http
    .patch(`/api/v1/projects/${projectId}/widget/security`)
    .set(bearer(accessToken))
    .send(settings);
  if (res.status !== 200) throw new Error(`updateWidgetSecurity: ${res.status} ${res.text}`);
}

/** `/api/v1/widget/:projectId` followed by `path`. */
export function widgetUrl(projectId: string, path = ''): string {
  return `/api/v1/widget/${projectId}${path}`;
}

export const nowS = (): number => Math.floor(Date.now() / 1000);

export const b64 = (part: unknown): string =>
  Buffer.from(typeof part === 'string' ? part : JSON.stringify(part)).toString('base64url');

/** A hand-built HS256 JWS, for the rows no library will mint. */
export function forge(header: unknown, payload: unknown, key: string): string {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${createHmac('sha256', key).update(input).digest('base64url')}`;
}

export const HS = { alg: 'HS256', typ: 'JWT' };

/** The seed's Node snippet with extra claims (jsonwebtoken, HS256, 24 h). */
export const seedToken = (key: string, claims: object = {}): string =>
  jwt.sign({ userId: 'u-1', ...claims }, key, { algorithm: 'HS256', expiresIn: '24h' });
