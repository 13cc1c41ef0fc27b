export { RateLimit, RateLimitGuard } from './rate-limit.guard';
export { RateLimitModule } from './rate-limit.module';
export { addressKey, clientAddress } from './client-address';
export {
  AUTH_RATE_LIMIT,
  MEMBER_ADD_RATE_LIMIT,
  RATE_LIMIT_RULE_NAMES,
  WIDGET_ANY_RATE_LIMIT,
  WIDGET_RATE_LIMIT,
  widgetRateLimitKey,
} from './rate-limit.rules';
export type { RateLimitRule } from './rate-limit.rules';
export { RateLimitService } from './rate-limit.service';
