import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from '../audit/audit.module';
import { RateLimitModule } from '../common/rate-limit';
import { WidgetSecurityStateModule } from '../widget-security/widget-security.module';
import { ApiKeyAuthenticator } from './api-key-authenticator';
import { ApiKeyUsage } from './api-key-usage';
import { ApiKey } from './api-key.entity';
import { ApiKeysController } from './api-keys.controller';
import { ApiKeysService } from './api-keys.service';

/**
 * Project API keys (API.md §9): the endpoints, and the authenticator the dashboard guard
 * uses for `Authorization: Bearer hsk_…`. The project's change notices (and their LISTEN
 * connection, shared with the widget guard) keep every instance's key cache current.
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([ApiKey]),
    AuditModule,
    RateLimitModule,
    WidgetSecurityStateModule,
  ],
  controllers: [ApiKeysController],
  providers: [ApiKeysService, ApiKeyAuthenticator, ApiKeyUsage],
  exports: [ApiKeyAuthenticator, ApiKeyUsage],
})
export class ApiKeysModule {}
