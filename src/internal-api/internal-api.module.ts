import { Module } from '@nestjs/common';
import { SecretKeysModule } from '../secret-keys/secret-keys.module';
import {
  WidgetSecurityModule,
  WidgetSecurityStateModule,
} from '../widget-security/widget-security.module';
import { GatewayAuthorizer } from './gateway-authorizer';
import { ChangeFeed } from './change-feed';
import { InternalListener } from './internal-server.provider';

/**
 * The internal API for other services and gateways (API.md §10), on its own listener
 * (INTERNAL_PORT). Nothing here is mounted on the public app.
 */
@Module({
  imports: [SecretKeysModule, WidgetSecurityStateModule, WidgetSecurityModule],
  providers: [InternalListener, ChangeFeed, GatewayAuthorizer],
})
export class InternalApiModule {}
