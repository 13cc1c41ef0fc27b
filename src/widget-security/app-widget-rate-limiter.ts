import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import {
  clientAddress,
  RateLimitService,
  WIDGET_ANY_RATE_LIMIT,
  WIDGET_RATE_LIMIT,
} from '../common/rate-limit';
import { WidgetRateLimiter } from '@hissuno/widget-guard';

/**
 * The widget guard's rate limits in this app, in the shared counters (Redis when REDIS_URL is
 * set): RATE_LIMIT_WIDGET_ANY_PER_MINUTE per client address for every request (API.md §7),
 * then RATE_LIMIT_WIDGET_PER_MINUTE per client address and project (API.md §1). Refusals are
 * the app's 429 `rate_limited` with Retry-After.
 */
@Injectable()
export class AppWidgetRateLimiter extends WidgetRateLimiter<FastifyRequest> {
  constructor(private readonly rateLimits: RateLimitService) {
    super();
  }

  override admit(request: FastifyRequest): Promise<void> {
    return this.rateLimits.consume(WIDGET_ANY_RATE_LIMIT, clientAddress(request));
  }

  hit(request: FastifyRequest): Promise<void> {
    // Keyed by the route's :projectId (lower-cased: the canonical form of a UUID).
    return this.rateLimits.consume(WIDGET_RATE_LIMIT, WIDGET_RATE_LIMIT.key!(request));
  }
}
