import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { RateLimitService, WIDGET_RATE_LIMIT } from '../common/rate-limit';
import { WidgetRateLimiter } from '@hissuno/widget-guard';

/**
 * The widget guard's rate limit in this app: RATE_LIMIT_WIDGET_PER_MINUTE per client address
 * and project (API.md §1), in the shared counters (Redis when REDIS_URL is set). Refusals are
 * the app's 429 `rate_limited` with Retry-After.
 */
@Injectable()
export class AppWidgetRateLimiter extends WidgetRateLimiter {
  constructor(private readonly rateLimits: RateLimitService) {
    super();
  }

  hit(request: FastifyRequest): Promise<void> {
    // Keyed by the route's :projectId (lower-cased: the canonical form of a UUID).
    return this.rateLimits.consume(WIDGET_RATE_LIMIT, WIDGET_RATE_LIMIT.key!(request));
  }
}
