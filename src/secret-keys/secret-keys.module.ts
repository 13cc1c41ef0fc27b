import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { AppConfig } from '../config';
import { KeyExposureService } from './key-exposure.service';
import { KeyRotationService } from './key-rotation.service';
import { SecretKeyCipher } from './secret-key-cipher';
import { SecretKeysController } from './secret-keys.controller';
import { SecretKeysService } from './secret-keys.service';
import { SecurityStateService } from './security-state.service';

@Module({
  imports: [AuditModule],
  controllers: [SecretKeysController],
  providers: [
    {
      provide: SecretKeyCipher,
      inject: [AppConfig],
      useFactory: (config: AppConfig) => new SecretKeyCipher(config.secretsMasterKey),
    },
    SecretKeysService,
    KeyRotationService,
    SecurityStateService,
    KeyExposureService,
  ],
  exports: [SecretKeysService, SecretKeyCipher, SecurityStateService, KeyExposureService],
})
export class SecretKeysModule {}
