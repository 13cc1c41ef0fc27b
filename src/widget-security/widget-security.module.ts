import { Module } from '@nestjs/common';
import { SecretKeysModule } from '../secret-keys/secret-keys.module';
import { WidgetAccessModule } from '../widget-access';
import { DatabaseWidgetSecurityStateSource } from './database-widget-security-state.source';
import { ProjectSecurityListener } from './project-security-listener';
import { WidgetMetricsObserver } from './widget-metrics.observer';
import { WidgetPreflightController } from './widget-preflight.controller';

/** What the state source injects, provided once for WidgetAccessModule's scope. */
@Module({
  imports: [SecretKeysModule],
  providers: [ProjectSecurityListener],
  exports: [ProjectSecurityListener, SecretKeysModule],
})
export class WidgetSecurityStateModule {}

/**
 * The widget guard bound to this app: database-backed state, cross-instance notices,
 * metrics, and the CORS preflight route. Import it to use `@WidgetEndpoint()`.
 */
@Module({
  imports: [
    WidgetAccessModule.forRoot({
      imports: [WidgetSecurityStateModule],
      stateSource: DatabaseWidgetSecurityStateSource,
      observer: WidgetMetricsObserver,
    }),
  ],
  controllers: [WidgetPreflightController],
  exports: [WidgetAccessModule],
})
export class WidgetSecurityModule {}
