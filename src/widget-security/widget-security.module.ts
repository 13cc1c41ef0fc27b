import { Module } from '@nestjs/common';
import { RateLimitModule } from '../common/rate-limit';
import { SecretKeysModule } from '../secret-keys/secret-keys.module';
import { WidgetAccessModule } from '@hissuno/widget-guard/nest';
import { WidgetStatsModule } from '../widget-stats/widget-stats.module';
import { AppWidgetRateLimiter } from './app-widget-rate-limiter';
import { AppWidgetObserver } from './app-widget.observer';
import { DatabaseWidgetSecurityStateSource } from './database-widget-security-state.source';
import { ProjectSecurityListener } from './project-security-listener';
import { WidgetPreflightController } from './widget-preflight.controller';

/** What the state source and observer inject, provided once for WidgetAccessModule's scope. */
@Module({
  imports: [SecretKeysModule, WidgetStatsModule, RateLimitModule],
  providers: [ProjectSecurityListener],
  exports: [ProjectSecurityListener, SecretKeysModule, WidgetStatsModule, RateLimitModule],
})
export class WidgetSecurityStateModule {}

/**
 * The widget guard bound to this app: database-backed state, cross-instance notices,
 * metrics, statistics, leaked-key recording and the CORS preflight route. Import it to use
 * `@WidgetEndpoint()`.
 */
@Module({
  imports: [
    WidgetAccessModule.forRoot({
      imports: [WidgetSecurityStateModule],
      stateSource: DatabaseWidgetSecurityStateSource,
      observer: AppWidgetObserver,
      rateLimiter: AppWidgetRateLimiter,
    }),
  ],
  controllers: [WidgetPreflightController],
  exports: [WidgetAccessModule],
})
export class WidgetSecurityModule {}
