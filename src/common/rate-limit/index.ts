export { RateLimit, RateLimitGuard } from './rate-limit.guard';
export { RateLimitModule } from './rate-limit.module';
export { AUTH_RATE_LIMIT, clientAddress, WIDGET_RATE_LIMIT } from './rate-limit.rules';
export type { RateLimitRule } from './rate-limit.rules';
export { RateLimitService } from './rate-limit.service';
