import type { ModuleMetadata, Type } from '@nestjs/common';
import type { SecurityCacheOptions } from '../core/security-cache';
import type { WidgetCorsOptions } from '../core/widget-cors';
import type { WidgetRateLimiter } from '../core/widget-rate-limiter';
import type {
  WidgetAccessObserver,
  WidgetSecurityStateSource,
} from '../core/widget-security-state';

export interface WidgetAccessModuleOptions {
  /** Modules that provide what the source and observer inject. */
  imports?: ModuleMetadata['imports'];
  /** The app's reader of a project's security state: a class (injected) or an instance. */
  stateSource: Type<WidgetSecurityStateSource> | WidgetSecurityStateSource;
  /** Hears every decision (metrics); default: none. */
  observer?: Type<WidgetAccessObserver> | WidgetAccessObserver;
  /** Counts every request to a known project and may refuse it (429); default: no limit. */
  rateLimiter?: Type<WidgetRateLimiter> | WidgetRateLimiter;
  cache?: Partial<SecurityCacheOptions>;
  cors?: Partial<WidgetCorsOptions>;
}

export const WIDGET_CORS_OPTIONS = Symbol('WIDGET_CORS_OPTIONS');
