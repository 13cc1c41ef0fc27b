import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { AppError } from '../common/app-error';

export const SERVICE_TOKEN_HEADER = 'x-hissuno-service-token';

const digest = (text: string): Buffer => createHash('sha256').update(text).digest();
const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;

/** The one answer to a missing or wrong service token: it says nothing about which it was. */
export const serviceTokenRefused = (): AppError =>
  new AppError(
    401,
    'unauthorized',
    'This listener serves other services only: send a service token in X-Hissuno-Service-Token.',
  );

/**
 * The service tokens of INTERNAL_API_TOKENS (API.md §10). A presented token is hashed and
 * compared with every known digest in constant time (no early exit, no length leak).
 */
export class ServiceTokens {
  private readonly digests: readonly Buffer[];

  constructor(tokens: readonly string[]) {
    this.digests = tokens.map(digest);
  }

  accepts(presented: string | undefined): boolean {
    if (typeof presented !== 'string' || presented === '') return false;
    const candidate = digest(presented);
    let accepted = false;
    for (const known of this.digests) accepted = timingSafeEqual(candidate, known) || accepted;
    return accepted;
  }

  /**
   * The token of a request: `X-Hissuno-Service-Token`, else (unless `headerOnly`, as on
   * authorize, where Authorization is the widget client's) `Authorization: Bearer`.
   */
  acceptsRequest(headers: IncomingHttpHeaders, headerOnly: boolean): boolean {
    const own = headers[SERVICE_TOKEN_HEADER];
    if (own !== undefined) return this.accepts(typeof own === 'string' ? own : undefined);
    if (headerOnly) return false;
    const bearer = BEARER.exec(headers.authorization ?? '');
    return this.accepts(bearer?.[1]);
  }
}
