import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { AuditModule } from './audit/audit.module';
import { AuthModule } from './auth/auth.module';
import { BrowserModule } from './browser/browser.module';
import { ApiExceptionFilter } from './common/api-exception.filter';
import { ApiValidationPipe } from './common/validation';
import { AppConfig, ConfigModule } from './config';
import { ConversationsModule } from './conversations/conversations.module';
import { DatabaseModule } from './database/database.module';
import { HealthModule } from './health/health.module';
import { InternalApiModule } from './internal-api/internal-api.module';
import { MetricsModule } from './metrics/metrics.module';
import { ProjectsModule } from './projects/projects.module';
import { SecretKeysModule } from './secret-keys/secret-keys.module';
import { WidgetSecurityModule } from './widget-security/widget-security.module';
import { WidgetSettingsModule } from './widget-settings/widget-settings.module';
import { WidgetStatsModule } from './widget-stats/widget-stats.module';
import { WidgetModule } from './widget/widget.module';

@Module({
  imports: [
    DatabaseModule,
    MetricsModule,
    HealthModule,
    AuditModule,
    AuthModule,
    ProjectsModule,
    WidgetSettingsModule,
    SecretKeysModule,
    ConversationsModule,
    WidgetSecurityModule,
    WidgetStatsModule,
    WidgetModule,
    BrowserModule,
    InternalApiModule,
  ],
  providers: [
    { provide: APP_PIPE, useClass: ApiValidationPipe },
    { provide: APP_FILTER, useClass: ApiExceptionFilter },
  ],
})
export class AppModule {
  /** The app with its validated configuration (tests pass their own). */
  static withConfig(config: AppConfig): DynamicModule {
    return { module: AppModule, imports: [ConfigModule.forRoot(config)] };
  }
}
