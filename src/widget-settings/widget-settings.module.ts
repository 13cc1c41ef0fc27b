import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { WidgetSecurityModule } from '../widget-security/widget-security.module';
import { DiagnoseController } from './diagnose.controller';
import { WidgetSecurityController } from './widget-security.controller';
import { WidgetSecurityService } from './widget-security.service';

@Module({
  imports: [AuditModule, WidgetSecurityModule],
  controllers: [WidgetSecurityController, DiagnoseController],
  providers: [WidgetSecurityService],
})
export class WidgetSettingsModule {}
