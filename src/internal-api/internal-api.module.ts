import { Module } from '@nestjs/common';
import { SecretKeysModule } from '../secret-keys/secret-keys.module';
import { InternalListener } from './internal-server.provider';

/**
 * The internal API for other services and gateways (API.md §10), on its own listener
 * (INTERNAL_PORT). Nothing here is mounted on the public app.
 */
@Module({
  imports: [SecretKeysModule],
  providers: [InternalListener],
})
export class InternalApiModule {}
