import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ChatSession } from './chat-session.entity';
import { DashboardSessionsController } from './dashboard-sessions.controller';
import { MessagesService } from './messages.service';
import { SessionsService } from './sessions.service';

/** Widget conversations (sessions and messages), for the widget API and the dashboard. */
@Module({
  imports: [TypeOrmModule.forFeature([ChatSession])],
  controllers: [DashboardSessionsController],
  providers: [SessionsService, MessagesService],
  exports: [SessionsService, MessagesService],
})
export class ConversationsModule {}
