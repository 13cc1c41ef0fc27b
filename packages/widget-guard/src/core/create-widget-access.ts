import type { WidgetGuardLogger } from './guard-logger';
import {
  SecurityCache,
  type SecurityCacheObserver,
  type SecurityCacheOptions,
} from './security-cache';
import { DEFAULT_WIDGET_CORS, type WidgetCorsOptions } from './widget-cors';
import { WidgetAccessService } from './widget-access.service';
import type { WidgetSecurityStateSource } from './widget-security-state';

export interface WidgetAccessOptions {
  /** Where a project's security state comes from (database, remote settings API, memory). */
  stateSource: WidgetSecurityStateSource;
  cache?: Partial<SecurityCacheOptions>;
  cors?: Partial<WidgetCorsOptions>;
  /** Default: warnings to stderr. */
  logger?: WidgetGuardLogger;
  /** Cache hit/miss/eviction hooks, for metrics. */
  cacheObserver?: SecurityCacheObserver;
}

/**
 * The guard's core outside Nest: a `WidgetAccessService` over its own cache. Call `start()`
 * before serving (re-check and change feed) and `stop()` at shutdown.
 */
export function createWidgetAccess(options: WidgetAccessOptions): WidgetAccessService {
  const cache = new SecurityCache(
    options.stateSource,
    options.cache,
    options.logger,
    options.cacheObserver,
  );
  const cors = { ...DEFAULT_WIDGET_CORS, ...options.cors };
  return new WidgetAccessService(options.stateSource, cache, cors);
}
