import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from '../audit/audit.module';
import { User } from '../auth/user.entity';
import { RateLimitModule } from '../common/rate-limit';
import { SecretKeysModule } from '../secret-keys/secret-keys.module';
import { MembersController } from './members.controller';
import { MembersService } from './members.service';
import { ProjectAccessGuard } from './project-access';
import { Project } from './project.entity';
import { ProjectsController } from './projects.controller';
import { ProjectsService } from './projects.service';

/** Projects, their members and roles; `ProjectAccess` authorizes every project route. */
@Module({
  imports: [
    TypeOrmModule.forFeature([Project, User]),
    AuditModule,
    SecretKeysModule,
    RateLimitModule,
  ],
  controllers: [ProjectsController, MembersController],
  providers: [ProjectsService, MembersService, ProjectAccessGuard],
})
export class ProjectsModule {}
