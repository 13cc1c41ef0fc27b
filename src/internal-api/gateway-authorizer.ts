import {
  corsHeaders,
  WidgetAccessObserver,
  WidgetAccessService,
  type ProjectCounter,
  type WidgetAllowed,
  type WidgetDecision,
  type WidgetPreflightDecision,
} from '@hissuno/widget-guard';
import { Injectable, Logger } from '@nestjs/common';
import { AppError } from '../common/app-error';
import {
  addressKey,
  RateLimitService,
  WIDGET_ANY_RATE_LIMIT,
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
 * The gateway decision (API.md §10): the widget guard's own, in the guard's own order — the
 * per-address limit of every widget request (RATE_LIMIT_WIDGET_ANY_PER_MINUTE, before any
 * lookup), the project, its per-project limit (before the origin and token checks), the
 * checks, then the observer (metrics, statistics, leaked-key recording) — so that a request
 * through nginx, Envoy or Traefik is judged, counted and answered exactly like a request to the
 * widget API. The client address is the last X-Forwarded-For hop. A preflight (OPTIONS) is
 * judged as §6 CORS says.
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
    const origin = request.origin ? request.origin : null;
    let decision: WidgetDecision;
    try {
      await this.admit(request);
      decision = await this.access.decide(
        {
          projectId: request.projectId,
          origin: request.origin,
          authorization: request.authorization,
        },
        this.perProject(request),
      );
    } catch (refusal) {
      // Readable by the widget, like the 403: CORS headers, nothing else.
      return refused(refusal, corsHeaders(origin));
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
    let decision: WidgetPreflightDecision;
    try {
      await this.admit(request);
      decision = await this.access.preflight(
        { projectId: request.projectId, origin: request.origin },
        this.perProject(request),
      );
    } catch (refusal) {
      // A refused preflight never allows the request: no CORS header but Vary.
      return refused(refusal, { Vary: 'Origin' });
    }
    if (!decision.allowed) {
      const error = new AppError(decision.status, decision.code, decision.message);
      return { status: decision.status, headers: decision.headers, error };
    }
    return { status: 204, headers: decision.headers, error: null };
  }

  private admit(request: GatewayRequest): Promise<void> {
    return this.rateLimits.consume(WIDGET_ANY_RATE_LIMIT, addressKey(request.clientAddress));
  }

  private perProject(request: GatewayRequest): ProjectCounter {
    const address = addressKey(request.clientAddress);
    return (projectId) =>
      this.rateLimits.consume(WIDGET_RATE_LIMIT, widgetRateLimitKey(address, projectId));
  }
}

/** A rate-limit refusal (429 with Retry-After) as an answer; anything else is rethrown. */
function refused(refusal: unknown, headers: Record<string, string>): GatewayAnswer {
  if (!(refusal instanceof AppError)) throw refusal;
  return { status: refusal.status, headers: { ...headers, ...refusal.headers }, error: refusal };
}
