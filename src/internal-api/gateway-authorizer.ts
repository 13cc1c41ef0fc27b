import {
  corsHeaders,
  WidgetAccessObserver,
  WidgetAccessService,
  type WidgetAllowed,
} from '@hissuno/widget-guard';
import { Injectable, Logger } from '@nestjs/common';
import { AppError } from '../common/app-error';
import {
  addressKey,
  RateLimitService,
  WIDGET_RATE_LIMIT,
  widgetRateLimitKey,
} from '../common/rate-limit';
import type { GatewayRequest } from './gateway-request';

/** A gateway's answer: status, headers, and the API.md §0 error body when refused. */
export interface GatewayAnswer {
  status: number;
  headers: Record<string, string>;
  /** Refusals: the widget API's error (its body is written with the request id). */
  error: AppError | null;
}

/** JSON with every non-ASCII character escaped: safe as an HTTP header value. */
export const asciiJson = (value: unknown): string =>
  JSON.stringify(value).replace(
    /[\u007f-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );

/** The identity headers a backend behind a gateway reads (API.md §10). */
export function identityHeaders(decision: WidgetAllowed): Record<string, string> {
  const { identity } = decision;
  const headers: Record<string, string> = {
    'X-Hissuno-Project-Id': decision.projectId,
    'X-Hissuno-Verified': String(identity.verified),
  };
  if (identity.verified && identity.userId !== null) {
    headers['X-Hissuno-User-Id'] = encodeURIComponent(identity.userId);
    headers['X-Hissuno-User-Metadata'] = Buffer.from(
      JSON.stringify(identity.userMetadata ?? {}),
    ).toString('base64url');
    headers['X-Hissuno-Key-Epoch'] = String(identity.keyEpoch);
  }
  return headers;
}

/**
 * The gateway decision (API.md §10): the widget guard's own, in the guard's own order —
 * decide, then the widget rate limit for a known project (client address: the last
 * X-Forwarded-For hop), then the observer (metrics, statistics, leaked-key recording) — so a
 * request through nginx, Envoy or Traefik is judged, counted and answered exactly like a
 * request to the widget API. A preflight (OPTIONS) is judged as §6 CORS says.
 */
@Injectable()
export class GatewayAuthorizer {
  private readonly logger = new Logger('WidgetAccess');

  constructor(
    private readonly access: WidgetAccessService,
    private readonly observer: WidgetAccessObserver,
    private readonly rateLimits: RateLimitService,
  ) {}

  async authorize(request: GatewayRequest): Promise<GatewayAnswer> {
    if (request.method === 'OPTIONS') return this.preflight(request);
    const decision = await this.access.decide({
      projectId: request.projectId,
      origin: request.origin,
      authorization: request.authorization,
    });
    if (decision.projectId !== null) {
      const limited = await this.limit(request, decision.projectId, corsHeaders(decision.origin));
      if (limited) return limited;
    }
    try {
      this.observer.decided({
        projectId: decision.projectId,
        outcome: decision.allowed ? decision.outcome : decision.code,
        keyEpoch: decision.keyEpoch,
        ...(!decision.allowed && decision.currentKeyExposed ? { currentKeyExposed: true } : {}),
      });
    } catch (error) {
      this.logger.warn({ err: error }, 'widget access observer failed');
    }
    if (!decision.allowed) {
      const error = new AppError(decision.status, decision.code, decision.message);
      return { status: decision.status, headers: decision.headers, error };
    }
    return {
      status: 200,
      headers: { ...decision.headers, ...identityHeaders(decision) },
      error: null,
    };
  }

  private async preflight(request: GatewayRequest): Promise<GatewayAnswer> {
    const decision = await this.access.preflight({
      projectId: request.projectId,
      origin: request.origin,
    });
    // Counted like the widget API's preflights: every one of a known project.
    const known = decision.allowed ? request.projectId : decision.projectId;
    if (decision.allowed || decision.projectId !== null) {
      const limited = await this.limit(request, known!, { Vary: 'Origin' });
      if (limited) return limited;
    }
    if (!decision.allowed) {
      const error = new AppError(decision.status, decision.code, decision.message);
      return { status: decision.status, headers: decision.headers, error };
    }
    return { status: 204, headers: decision.headers, error: null };
  }

  /** null when under the limit; else the 429, readable cross-origin like the widget API's. */
  private async limit(
    request: GatewayRequest,
    projectId: string,
    headers: Record<string, string>,
  ): Promise<GatewayAnswer | null> {
    const key = widgetRateLimitKey(addressKey(request.clientAddress), projectId);
    try {
      await this.rateLimits.consume(WIDGET_RATE_LIMIT, key);
      return null;
    } catch (refusal) {
      if (!(refusal instanceof AppError)) throw refusal;
      return {
        status: refusal.status,
        headers: { ...headers, ...refusal.headers },
        error: refusal,
      };
    }
  }
}
