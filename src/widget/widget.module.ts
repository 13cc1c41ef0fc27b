import { Module } from '@nestjs/common';
import { ConversationsModule } from '../conversations/conversations.module';
import { WidgetSecurityModule } from '../widget-security/widget-security.module';
import { WidgetConfigController } from './widget-config.controller';
import { WidgetSessionsController } from './widget-sessions.controller';

/** The widget-facing API: every route is behind the widget guard (`@WidgetEndpoint()`). */
@Module({
  imports: [WidgetSecurityModule, ConversationsModule],
  controllers: [WidgetConfigController, WidgetSessionsController],
})
export class WidgetModule {}
