import {
  DynamicModule,
  Injectable,
  Logger,
  Module,
  OnModuleDestroy,
  OnModuleInit,
  Provider,
} from '@nestjs/common';
import { SecurityCache } from '../core/security-cache';
import { WidgetAccessGuard } from './widget-access.guard';
import { DEFAULT_WIDGET_CORS, type WidgetCorsOptions } from '../core/widget-cors';
import { WIDGET_CORS_OPTIONS, type WidgetAccessModuleOptions } from './widget-access.options';
import { WidgetAccessService } from '../core/widget-access.service';
import { WidgetRateLimiter } from '../core/widget-rate-limiter';
import {
  NoopWidgetAccessObserver,
  WidgetAccessObserver,
  WidgetSecurityStateSource,
} from '../core/widget-security-state';

function bind<T>(token: abstract new (...args: never[]) => T, impl: unknown): Provider {
  return typeof impl === 'function'
    ? { provide: token, useClass: impl as new (...args: never[]) => T }
    : { provide: token, useValue: impl };
}

/** Starts the core's cache with the module and stops it at shutdown (the core knows no Nest). */
@Injectable()
class WidgetAccessLifecycle implements OnModuleInit, OnModuleDestroy {
  constructor(private readonly access: WidgetAccessService) {}

  onModuleInit(): void {
    this.access.start();
  }

  onModuleDestroy(): void {
    this.access.stop();
  }
}

/**
 * The widget guard as a reusable module. The app binds its own reader of security state:
 *
 *   WidgetAccessModule.forRoot({ imports: [...], stateSource: MySource, observer: MyMetrics })
 *
 * then protects routes with `@WidgetEndpoint()` in any module that imports this one.
 */
@Module({})
export class WidgetAccessModule {
  static forRoot(options: WidgetAccessModuleOptions): DynamicModule {
    const limiter = options.rateLimiter ? [WidgetRateLimiter] : [];
    return {
      module: WidgetAccessModule,
      imports: options.imports ?? [],
      providers: [
        bind(WidgetSecurityStateSource, options.stateSource),
        bind(WidgetAccessObserver, options.observer ?? NoopWidgetAccessObserver),
        { provide: WIDGET_CORS_OPTIONS, useValue: { ...DEFAULT_WIDGET_CORS, ...options.cors } },
        {
          provide: SecurityCache,
          inject: [WidgetSecurityStateSource, WidgetAccessObserver],
          useFactory: (source: WidgetSecurityStateSource, observer: WidgetAccessObserver) =>
            new SecurityCache(source, options.cache, new Logger('WidgetAccess'), observer),
        },
        {
          provide: WidgetAccessService,
          inject: [WidgetSecurityStateSource, SecurityCache, WIDGET_CORS_OPTIONS],
          useFactory: (
            source: WidgetSecurityStateSource,
            cache: SecurityCache,
            cors: WidgetCorsOptions,
          ) => new WidgetAccessService(source, cache, cors),
        },
        WidgetAccessLifecycle,
        WidgetAccessGuard,
        ...(options.rateLimiter ? [bind(WidgetRateLimiter, options.rateLimiter)] : []),
      ],
      // The guard is instantiated in each consumer module: what it injects is exported.
      exports: [WidgetAccessService, WidgetAccessGuard, WidgetAccessObserver, ...limiter],
    };
  }
}
