import request from 'supertest';
import type { TestApp } from './test-app';
import { InternalListener } from '../../src/internal-api/internal-server.provider';

/** A service token of the test apps' internal listener (INTERNAL_API_TOKENS). */
export const SERVICE_TOKEN = 'svc_test_0123456789abcdefghijklmnopqrstuvwxyz';
export const OTHER_SERVICE_TOKEN = 'svc_other_0123456789abcdefghijklmnopqrstuvwxyz';

/** Config overrides that turn the internal listener on, on a free port of the loopback. */
export const INTERNAL_LISTENER = {
  internalPort: 0,
  internalHost: '127.0.0.1',
  internalApiTokens: [SERVICE_TOKEN, OTHER_SERVICE_TOKEN],
};

/** The base URL of a test app's internal listener. */
export function internalUrl(ctx: TestApp): string {
  const address = ctx.app.get(InternalListener).address();
  if (!address) throw new Error('the internal listener is not running');
  return `http://127.0.0.1:${address.port}`;
}

/** supertest against the internal listener. */
export function internalHttp(ctx: TestApp): ReturnType<typeof request> {
  return request(internalUrl(ctx));
}

export const GUARD = '/internal/v1/widget-guard';
export const withToken = { 'X-Hissuno-Service-Token': SERVICE_TOKEN };
