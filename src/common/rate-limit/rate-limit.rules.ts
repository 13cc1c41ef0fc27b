import type { FastifyRequest } from 'fastify';
import type { AppConfig } from '../../config';
import { clientAddress } from './client-address';

/**
 * What one counter limits: `points(config)` hits per `windowSeconds` for each
 * key. The window is fixed, starting at the key's first hit.
 */
export interface RateLimitRule {
  /** Names the counter (and its store key prefix); one name, one rule. */
  name: string;
  points: (config: AppConfig) => number;
  windowSeconds: number;
  /**
   * Once over the limit, the key is refused for this long and then starts afresh,
   * instead of until the window ends (a lockout that must stay short, API.md §1).
   */
  blockSeconds?: number;
  /** What a request counts against (used by `@RateLimit()`); the client address by default. */
  key?: (request: FastifyRequest) => string;
  /** Opens the 429 message; the retry delay is appended. */
  message?: string;
}

/**
 * Every rule's name, wherever the rule is defined: `rate_limit_rejections_total{rule}` has
 * one series per name from the start (a bounded label; a rule not listed is not counted).
 */
export const RATE_LIMIT_RULE_NAMES = [
  'auth',
  'widget',
  'widget-any',
  'member-add',
  'login-failures',
  'api-key',
  'api-key-lookup',
] as const;

/** API.md §1: RATE_LIMIT_AUTH_PER_MINUTE requests per client address on signup and login. */
export const AUTH_RATE_LIMIT: RateLimitRule = {
  name: 'auth',
  points: (config) => config.rateLimitAuthPerMinute,
  windowSeconds: 60,
  message: 'Too many sign-up or login requests from your address',
};

/** The widget limit's counter of a client address key and a project (the gateway path too). */
export function widgetRateLimitKey(addressKey: string, projectId: string): string {
  return `${addressKey}|${projectId.toLowerCase()}`;
}

/**
 * API.md §1: RATE_LIMIT_WIDGET_PER_MINUTE requests per client address and
 * project on the widget routes (`:projectId` is taken from the route).
 */
export const WIDGET_RATE_LIMIT: RateLimitRule = {
  name: 'widget',
  points: (config) => config.rateLimitWidgetPerMinute,
  windowSeconds: 60,
  key: (request) => {
    const projectId = (request.params as Record<string, string | undefined>).projectId ?? '';
    return widgetRateLimitKey(clientAddress(request), projectId);
  },
  message: 'Too many widget requests from your address for this project',
};

/**
 * API.md §7: RATE_LIMIT_WIDGET_ANY_PER_MINUTE widget requests and preflights per client
 * address, whatever the project, counted before the project is looked up: a flood of random
 * ids is refused without a database query each.
 */
export const WIDGET_ANY_RATE_LIMIT: RateLimitRule = {
  name: 'widget-any',
  points: (config) => config.rateLimitWidgetAnyPerMinute,
  windowSeconds: 60,
  message: 'Too many widget requests from your address',
};

/**
 * RATE_LIMIT_MEMBERS_PER_MINUTE additions of members per dashboard user: `user_not_found`
 * tells whether an email has an account, so asking must not be free (issue 12, item 6).
 * Keyed by the authenticated user (the global guard ran first), the address as a fallback.
 */
export const MEMBER_ADD_RATE_LIMIT: RateLimitRule = {
  name: 'member-add',
  points: (config) => config.rateLimitMembersPerMinute,
  windowSeconds: 60,
  key: (request) => {
    const user = (request as { user?: { id?: string } }).user;
    return user?.id ? `user:${user.id}` : `address:${clientAddress(request)}`;
  },
  message: 'Too many attempts to add members',
};
