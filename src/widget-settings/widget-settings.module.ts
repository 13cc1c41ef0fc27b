import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { WidgetSecurityController } from './widget-security.controller';
import { WidgetSecurityService } from './widget-security.service';

@Module({
  imports: [AuditModule],
  controllers: [WidgetSecurityController],
  providers: [WidgetSecurityService],
})
export class WidgetSettingsModule {}
