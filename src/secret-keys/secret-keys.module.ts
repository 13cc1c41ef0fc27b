import { Module } from '@nestjs/common';
import { AppConfig } from '../config';
import { SecretKeyCipher } from './secret-key-cipher';
import { SecretKeysService } from './secret-keys.service';

@Module({
  providers: [
    {
      provide: SecretKeyCipher,
      inject: [AppConfig],
      useFactory: (config: AppConfig) => new SecretKeyCipher(config.secretsMasterKey),
    },
    SecretKeysService,
  ],
  exports: [SecretKeysService, SecretKeyCipher],
})
export class SecretKeysModule {}
